import { parseArgs } from 'node:util';
import { DEFAULT_PATHS, backup, restore, type StatePaths } from './backup.ts';

/**
 * Back up or restore a server's state (deploy/backup/backup.ts):
 *   node deploy/backup/main.js backup  /var/backups/thanthien-$(date +%F).tar.gz
 *   node deploy/backup/main.js restore <archive>        (stop thanthien-broker/-collector/-console first)
 * Options override the install layout: --console-data --registry --spool --etc --influx-rpc --influx-url --database
 */
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    'console-data': { type: 'string' },
    registry: { type: 'string' },
    spool: { type: 'string' },
    etc: { type: 'string' },
    'influx-rpc': { type: 'string' },
    'influx-url': { type: 'string' },
    database: { type: 'string' },
  },
});
const [command, archive] = positionals;
if ((command !== 'backup' && command !== 'restore') || !archive) {
  console.error(
    'cách dùng / usage: backup|restore <archive.tar.gz> [--console-data D] [--registry F] [--spool D] [--etc D] [--influx-rpc H:P] [--influx-url U] [--database N]',
  );
  process.exit(2);
}
const paths: StatePaths = {
  consoleData: values['console-data'] ?? DEFAULT_PATHS.consoleData,
  registry: values.registry ?? DEFAULT_PATHS.registry,
  spool: values.spool ?? DEFAULT_PATHS.spool,
  etc: values.etc ?? DEFAULT_PATHS.etc,
  influx: {
    rpc: values['influx-rpc'] ?? DEFAULT_PATHS.influx.rpc,
    url: values['influx-url'] ?? DEFAULT_PATHS.influx.url,
    database: values.database ?? DEFAULT_PATHS.influx.database,
  },
};
(command === 'backup' ? backup(paths, archive) : restore(paths, archive)).then(
  () => console.log(`${command === 'backup' ? 'đã sao lưu' : 'đã khôi phục'} ${archive}`),
  (err: Error) => {
    console.error(`${command} failed: ${err.message}`);
    process.exit(1);
  },
);
