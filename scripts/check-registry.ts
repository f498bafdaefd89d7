/** Validates a registry file and prints every problem with its path. Usage: npm run check-registry -- <file> */
import { loadRegistry, RegistryError } from '../devices/registry/index.ts';

const path = process.argv[2];
if (!path) {
  console.error('Cách dùng: npm run check-registry -- <tệp sổ đăng ký .yaml|.json>');
  process.exit(2);
}
try {
  const r = loadRegistry(path);
  console.log(
    `hợp lệ: ${r.communes.size} xã/phường, ${r.devices.size} thiết bị, ${r.cameras.size} camera, ${r.services.size} dịch vụ`,
  );
} catch (err) {
  if (err instanceof RegistryError) {
    console.error(err.message);
    process.exit(1);
  }
  throw err;
}
