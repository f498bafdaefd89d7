import type { FastifyInstance } from 'fastify';
import type { StationService } from '../relay/stations.ts';
import { userOf } from './context.ts';

/** The province's approved relay stations: everyone signed in reads the list, the admin approves. */
export function registerRelayRoutes(app: FastifyInstance, stations: StationService): void {
  app.get('/api/stations', async (req) => {
    userOf(req);
    return stations.list().map(({ signed: _signed, ...s }) => s);
  });
  app.post('/api/stations', async (req, reply) => {
    const { signed: _signed, ...s } = stations.approve(userOf(req), req.body);
    return reply.status(201).send(s);
  });
  /** the province withdraws a station: the relays of it stop, new ones are refused */
  app.post<{ Params: { id: string } }>('/api/stations/:id/revoke', async (req) => {
    const { signed: _signed, ...s } = stations.revoke(userOf(req), req.params.id);
    return s;
  });
  /** the province public key speakers need in units.speaker.stream.stationKeys */
  app.get('/api/stations/key', async (req) => {
    userOf(req);
    return { publicKey: stations.publicKeyPem };
  });
}
