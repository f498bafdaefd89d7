import { describe, expect, it } from 'vitest';
import { runCommand } from '../../infra/run-command.ts';

const node = process.execPath;

describe('runCommand', () => {
  it('resolves with stdout and stderr of a program that exits 0', async () => {
    const r = await runCommand(
      node,
      ['-e', 'process.stdout.write("âm lượng"); process.stderr.write("{\\"i\\":1}")'],
      20_000,
    );
    expect(r.stdout.toString()).toBe('âm lượng');
    expect(r.stderr).toBe('{"i":1}');
  });

  it('rejects with the exit code and the last of stderr otherwise', async () => {
    await expect(
      runCommand(node, ['-e', 'console.error("x".repeat(9000) + "hỏng"); process.exit(3)'], 20_000),
    ).rejects.toThrow(/exited with 3: x+hỏng$/);
  });

  it('kills a program that overruns its deadline, and reports a missing one', async () => {
    await expect(runCommand(node, ['-e', 'setTimeout(() => {}, 600000)'], 300)).rejects.toThrow(/exited with null/);
    await expect(runCommand('/nonexistent/espeak-ng', [], 1_000)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
