/**
 * Prints the scrypt hash of a password for the registry (devices[].passwordHash, services[].passwordHash).
 * Usage: npm run hash-password -- <password>      (or pipe the password on stdin)
 */
import { hashPassword } from '../devices/credentials.ts';

async function readStdin(): Promise<string> {
  let data = '';
  for await (const chunk of process.stdin) data += chunk;
  return data.trim();
}

const password = process.argv[2] ?? (process.stdin.isTTY ? '' : await readStdin());
if (!password) {
  console.error('Cách dùng: npm run hash-password -- <mật khẩu>   (usage: npm run hash-password -- <password>)');
  process.exit(2);
}
console.log(await hashPassword(password));
