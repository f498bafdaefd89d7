import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { StationKey, StationList, StationParams, StationRequest, StationView } from '../api/station.ts';
import type { Station, StationService } from '../relay/stations.ts';
import { userOf } from './context.ts';

/** the signed entry goes only into the schedules, never to the browser */
const view = ({ signed: _signed, ...s }: Station) => s;

/** The province's approved relay stations: everyone signed in reads the list, the admin approves. */
export function registerRelayRoutes(fastify: FastifyInstance, stations: StationService): void {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const params = { params: StationParams };
  app.get('/api/stations', { schema: { response: { 200: StationList } } }, async (req) => {
    userOf(req);
    return { items: stations.list().map(view) };
  });
  app.post('/api/stations', { schema: { body: StationRequest, response: { 201: StationView } } }, async (req, reply) =>
    reply.status(201).send(view(stations.approve(userOf(req), req.body))),
  );
  /** the province withdraws a station: the relays of it stop, new ones are refused */
  app.post('/api/stations/:id/revoke', { schema: { ...params, response: { 200: StationView } } }, async (req) =>
    view(stations.revoke(userOf(req), req.params.id)),
  );
  /** the province public key speakers need in units.speaker.stream.stationKeys */
  app.get('/api/stations/key', { schema: { response: { 200: StationKey } } }, async (req) => {
    userOf(req);
    return { publicKey: stations.publicKeyPem };
  });
}
