import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { influxClient } from '../../infra/influx-client.ts';
import { vnDateText, vnWeekStart } from '../../devices/time/vietnam.ts';
import { ClosedDayCache } from '../../devices/analytics/rating-counts.ts';
import {
  areaRanking,
  communeDetail,
  communeUptime,
  preloadProvinces,
  uptimeFractions,
  type ViewDeps,
} from '../../devices/analytics/satisfaction-view.ts';
import {
  PERIOD_KINDS,
  PERIOD_LABELS,
  PeriodError,
  resolvePeriod,
  type ResolvedPeriod,
} from '../../devices/analytics/periods.ts';
import { LEVEL_KEYS, SATISFACTION_LEVELS } from '../../devices/levels.ts';
import {
  type AreaOption,
  CommuneAnswer,
  CommuneParams,
  PeriodQuery,
  RankingAnswer,
  RankingQuery,
  SatisfactionAreas,
} from '../api/satisfaction.ts';
import { httpQueryRunner } from '../report/influx.ts';
import { readableCommunes, requireReadable } from '../access.ts';
import { isLeaderOf } from '../commune-leader.ts';
import type { Area } from '../area.ts';
import { ConsoleError, fail } from '../errors.ts';
import type { User } from '../model.ts';
import { DeploymentStore } from '../store/deployment.ts';
import { registerAppendixRoute } from './appendix-route.ts';
import { registerDeploymentRoutes } from './deployment-routes.ts';
import { deviceHealth } from './device-routes.ts';
import { signedIn, userOf, type HttpDeps } from './context.ts';

/**
 * "Mức độ hài lòng": the ranking of the communes of an area (province or district) the user may read, and one
 * commune's detail, for a period. Figures come from devices/analytics/satisfaction-view.ts (the report and the Grafana
 * panels share its definitions). Who sees what: readableCommunes(); per-officer figures only to that commune's
 * leader (canSeeOfficers).
 */

/** Per-officer figures are personal assessments: only the leader of that very commune sees them. */
export function canSeeOfficers(user: User, area: Area, commune: string): boolean {
  return isLeaderOf(user, area, commune);
}

export type { AreaOption };

/** The provinces and districts that contain communes the user may read, each with those communes only. */
export function areaOptions(user: User, area: Area): AreaOption[] {
  const readable = new Set(readableCommunes(user, area));
  const out = new Map<string, AreaOption>();
  for (const p of area.registry.allCommunes()) {
    if (!readable.has(p.commune.code)) continue;
    const add = (code: string, level: AreaOption['level'], name: string) => {
      const o = out.get(code) ?? { code, level, name, communes: [] };
      o.communes.push(p.commune.code);
      out.set(code, o);
    };
    add(p.province.code, 'province', p.province.name);
    if (p.district) add(p.district.code, 'district', `${p.district.name} (${p.province.name})`);
  }
  return [...out.values()];
}

function periodOf(q: PeriodQuery, now: number): ResolvedPeriod {
  try {
    return resolvePeriod(q.period ?? 'month', now, { from: q.from, to: q.to });
  } catch (err) {
    if (err instanceof PeriodError) fail('PERIOD_INVALID', err.message);
    throw err;
  }
}

const describe = (p: ResolvedPeriod) => ({
  kind: p.kind,
  label: PERIOD_LABELS[p.kind],
  from: p.from,
  to: p.to,
  text: `${vnDateText(p.startMs)} – ${vnDateText(p.endMs - 1)}`,
  previousText: `${vnDateText(p.previous.startMs)} – ${vnDateText(p.previous.endMs - 1)}`,
});

export function viewDeps(cfg: { url: string; database: string }, now: number, cache?: ClosedDayCache): ViewDeps {
  const influx = influxClient(cfg.url, cfg.database);
  return { run: httpQueryRunner(cfg.url, cfg.database, 30_000), influx, database: cfg.database, now, cache };
}

/** uPlot's own files, served by the console (commune offices have poor links: nothing from a CDN) */
const UPLOT_DIST = join(dirname(createRequire(import.meta.url).resolve('uplot/package.json')), 'dist');

const WEEKDAYS = ['Thứ Hai', 'Thứ Ba', 'Thứ Tư', 'Thứ Năm', 'Thứ Sáu', 'Thứ Bảy', 'Chủ nhật'];

export function registerSatisfactionRoutes(fastify: FastifyInstance, deps: HttpDeps): void {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const deployment = new DeploymentStore(deps.store.db);
  registerDeploymentRoutes(fastify, deps, deployment);
  registerAppendixRoute(fastify, deps, deployment);
  void fastify.register(fastifyStatic, {
    root: UPLOT_DIST,
    prefix: '/vendor/uplot/',
    decorateReply: false,
    allowedPath: (p) => p === '/uPlot.iife.min.js' || p === '/uPlot.min.css',
  });
  const stats = { influxErrors: 0 };
  // closed days' rating counts never change: one cache for every request of this console
  const closedDays = new ClosedDayCache();
  // read the provinces' closed days at start, in the background, so the first province view is fast too, and
  // again at half their cache age so that no request finds them expired
  const influxCfg = deps.influx;
  if (influxCfg) {
    let timer: NodeJS.Timeout | undefined;
    const preload = (why: string, maxAgeMs?: number) => {
      const started = deps.clock.now();
      preloadProvinces({ ...viewDeps(influxCfg, started, closedDays), maxAgeMs }, deps.area.registry).then(
        () =>
          deps.log.info(
            { why, ms: deps.clock.now() - started, ...closedDays.stats },
            'satisfaction: closed days preloaded',
          ),
        (err) =>
          deps.log.warn({ err, why }, 'satisfaction: preloading closed days failed (they are read on first use)'),
      );
    };
    app.addHook('onReady', async () => {
      preload('start');
      timer = setInterval(() => preload('refresh', closedDays.maxAgeMs / 2), closedDays.maxAgeMs / 2);
      timer.unref();
    });
    app.addHook('onClose', async () => clearInterval(timer));
  }
  const withDb = async <T>(run: (v: ViewDeps) => Promise<T>): Promise<T> => {
    if (!deps.influx) fail('INFLUX_UNCONFIGURED');
    try {
      return await run(viewDeps(deps.influx, deps.clock.now(), closedDays));
    } catch (err) {
      if (err instanceof ConsoleError) throw err;
      stats.influxErrors++;
      deps.log.warn({ err, influxErrors: stats.influxErrors }, 'satisfaction query failed');
      fail('INFLUX_UNAVAILABLE');
    }
  };
  const areaOf = (req: FastifyRequest, code: string | undefined): AreaOption => {
    const options = areaOptions(userOf(req), deps.area);
    const found = code ? options.find((o) => o.code === code) : options[0];
    if (!found) fail('AREA_UNKNOWN');
    return found;
  };

  app.get(
    '/api/satisfaction/areas',
    { preValidation: signedIn(), schema: { response: { 200: SatisfactionAreas } } },
    async (req) => {
      const user = userOf(req);
      const communes = readableCommunes(user, deps.area).map((code) => ({ code, name: deps.area.communeName(code) }));
      return {
        areas: areaOptions(user, deps.area),
        communes,
        periods: PERIOD_KINDS.map((kind) => ({ kind, label: PERIOD_LABELS[kind] })),
        levels: LEVEL_KEYS.map((key) => ({ key, label: SATISFACTION_LEVELS[key].label })),
        weekdays: WEEKDAYS,
      };
    },
  );

  app.get(
    '/api/satisfaction/ranking',
    { preValidation: signedIn(), schema: { querystring: RankingQuery, response: { 200: RankingAnswer } } },
    async (req) => {
      const area = areaOf(req, req.query.area);
      const period = periodOf(req.query, deps.clock.now());
      const ranking = await withDb((v) => areaRanking(v, deps.area.registry, area.communes, period, period.previous));
      return { area: { code: area.code, level: area.level, name: area.name }, period: describe(period), ...ranking };
    },
  );

  const communeSchema = { params: CommuneParams, querystring: PeriodQuery, response: { 200: CommuneAnswer } };
  app.get('/api/satisfaction/commune/:code', { preValidation: signedIn(), schema: communeSchema }, async (req) => {
    const user = userOf(req);
    const code = req.params.code;
    requireReadable(user, deps.area, code);
    const now = deps.clock.now();
    const period = periodOf(req.query, now);
    return withDb(async (v) => {
      const commune = deps.area.registry.communes.get(code)!.commune;
      const [detail, health, inPeriod] = await Promise.all([
        communeDetail(v, deps.area.registry, code, period, period.previous, {
          officers: canSeeOfficers(user, deps.area, code),
        }),
        deviceHealth(v, deps.area, [code], now),
        uptimeFractions(
          v,
          commune.devices.map((d) => d.id),
          [],
          period,
        ),
      ]);
      const week = await uptimeFractions(
        v,
        health.filter((h) => h.kind !== 'camera').map((h) => h.id),
        health.filter((h) => h.kind === 'camera').map((h) => h.id),
        { startMs: vnWeekStart(now), endMs: now },
      );
      const devices = health.map((h) => ({
        id: h.id,
        kind: h.kind,
        kindLabel: h.kindLabel,
        place: h.place,
        online: h.online,
        stateLabel: h.stateLabel,
        lastSeen: h.lastSeen,
        uptimeWeek: week.get(h.id) ?? 0,
      }));
      return {
        period: describe(period),
        ...detail,
        uptime: communeUptime(commune, inPeriod),
        devices,
        offlineNow: devices.filter((d) => d.online === false).length,
      };
    });
  });
}
