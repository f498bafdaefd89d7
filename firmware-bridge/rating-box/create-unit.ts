import type { UnitEnv } from '../unit.ts';
import type { RatingBoxConfig } from './config.ts';
import { outboxRatingSink } from './rating-sink.ts';
import { RatingBoxUnit } from './unit.ts';

/** The bridge's factory for units.ratingBox; the press log takes the operator's limits (bridge config `pressLog`). */
export function createRatingBox(config: RatingBoxConfig, env: UnitEnv): RatingBoxUnit {
  return new RatingBoxUnit(config, {
    board: env.board,
    ratings: outboxRatingSink(env),
    boot: env.boot,
    pressLogLimits: env.config.pressLog,
  });
}
