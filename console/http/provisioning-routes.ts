import type { FastifyInstance } from 'fastify';
import qrcode from 'qrcode-generator';
import type { ProvisioningService } from '../provisioning/service.ts';
import { fail } from '../errors.ts';
import { userOf } from './context.ts';

/**
 * Device provisioning: staff register a Pi and get its one-time code and QR; the Pi claims with the code.
 *   POST   /api/provisioning/devices        {kind, id, counter|hamlet, name?}  -> {deviceId, code, expiresAt, qrSvg}
 *   GET    /api/provisioning/devices        registrations of the communes the user may read (never the codes)
 *   DELETE /api/provisioning/devices/:id    cancel a code not yet used
 *   POST   /api/provisioning/claim          {code}  (no session: the Pi) -> credentials and configuration, once
 */
export function registerProvisioningRoutes(app: FastifyInstance, provisioning: ProvisioningService | undefined): void {
  const service = (): ProvisioningService => provisioning ?? fail('PROVISIONING_UNCONFIGURED');

  app.post('/api/provisioning/devices', async (req, reply) => {
    const user = userOf(req);
    const reg = service().register(user, req.body);
    const qr = qrcode(0, 'M');
    qr.addData(reg.claimText);
    qr.make();
    reply.header('Cache-Control', 'no-store');
    return reply.status(201).send({ ...reg, qrSvg: qr.createSvgTag({ cellSize: 4, margin: 4, scalable: true }) });
  });

  app.get('/api/provisioning/devices', async (req) => ({ devices: service().list(userOf(req)) }));

  app.delete<{ Params: { id: string } }>('/api/provisioning/devices/:id', async (req, reply) => {
    service().revoke(userOf(req), req.params.id);
    return reply.status(204).send();
  });

  app.post('/api/provisioning/claim', async (req, reply) => {
    const body = req.body as { code?: unknown } | null;
    const result = await service().claim(body?.code, req.ip);
    reply.header('Cache-Control', 'no-store');
    return result;
  });
}
