import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import qrcode from 'qrcode-generator';
import {
  ClaimRequest,
  ClaimResponse,
  DeviceParams,
  PendingList,
  type PendingDevice,
  RegisterRequest,
  RegistrationEnvelope,
} from '../api/provisioning.ts';
import type { Area } from '../area.ts';
import { CLAIM_STATE_LABELS, deviceKindLabel } from '../device-labels.ts';
import type { ProvisioningService } from '../provisioning/service.ts';
import { fail } from '../errors.ts';
import { signedIn, userOf } from './context.ts';

/**
 * Device provisioning: staff register a Pi and get its one-time code and QR; the Pi claims with the code.
 *   POST   /api/provisioning/devices        {kind, id, counter|hamlet, name?}  -> {id, registration: {code, qrSvg, ...}}
 *   GET    /api/provisioning/devices        registrations of the communes the user may read (never the codes)
 *   DELETE /api/provisioning/devices/:id    cancel a code not yet used
 *   POST   /api/provisioning/claim          {code}  (no session: the Pi) -> credentials and configuration, once
 */
export function registerProvisioningRoutes(
  fastify: FastifyInstance,
  provisioning: ProvisioningService | undefined,
  area: Area,
): void {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const service = (): ProvisioningService => provisioning ?? fail('PROVISIONING_UNCONFIGURED');
  const staff = signedIn('staff', 'leader');

  app.post(
    '/api/provisioning/devices',
    { preValidation: staff, schema: { body: RegisterRequest, response: { 201: RegistrationEnvelope } } },
    async (req, reply) => {
      const reg = service().register(userOf(req), req.body);
      const qr = qrcode(0, 'M');
      qr.addData(reg.claimText);
      qr.make();
      reply.header('Cache-Control', 'no-store');
      const qrSvg = qr.createSvgTag({ cellSize: 4, margin: 4, scalable: true });
      return reply.status(201).send({ id: reg.deviceId, registration: { ...reg, qrSvg } });
    },
  );

  /** the counter or hamlet a registration is for, by its name in the registry */
  const placeName = (d: PendingDevice) => {
    const c = area.registry.communes.get(d.commune)?.commune;
    const places = d.kind === 'speaker' ? c?.hamlets : c?.counters;
    return places?.find((p) => p.id === d.place)?.name ?? d.place;
  };
  app.get('/api/provisioning/devices', { schema: { response: { 200: PendingList } } }, async (req) => ({
    items: service()
      .list(userOf(req))
      .map((d) => ({
        ...d,
        kindLabel: deviceKindLabel(d.kind),
        placeName: placeName(d),
        stateLabel: CLAIM_STATE_LABELS[d.state],
      })),
  }));

  app.delete(
    '/api/provisioning/devices/:id',
    { preValidation: staff, schema: { params: DeviceParams } },
    async (req, reply) => {
      service().revoke(userOf(req), req.params.id);
      return reply.status(204).send();
    },
  );

  app.post(
    '/api/provisioning/claim',
    { schema: { body: ClaimRequest, response: { 200: ClaimResponse } } },
    async (req, reply) => {
      const result = await service().claim(req.body.code, req.ip);
      reply.header('Cache-Control', 'no-store');
      return result;
    },
  );
}
