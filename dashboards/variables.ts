import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { MEASUREMENTS } from '../collector/schema.ts';
import { PRIOR_WEIGHT, satisfiedSubquery } from '../analytics/satisfaction.ts';
import { DATASOURCE } from './influx-query.ts';

/**
 * Template variables: province → district (absent in two-tier provinces: "All" = any, including none)
 * → commune. Values are official codes, the tags the collector writes. Area lists come from
 * device_state, which every device (speakers too) writes.
 */
const AREA_SOURCE = MEASUREMENTS.deviceState;

/** WHERE fragment selecting the chosen province and district(s). */
export const AREA_FILTER = `"province" = '$province' AND "district" =~ /^$district$/`;
/** WHERE fragment selecting the chosen commune. */
export const COMMUNE_FILTER = `"commune" = '$commune'`;

function tagVariable(name: string, label: string, query: string): dashboard.QueryVariableBuilder {
  return new dashboard.QueryVariableBuilder(name)
    .label(label)
    .datasource(DATASOURCE)
    .query(query)
    .definition(query)
    .refresh(dashboard.VariableRefresh.OnDashboardLoad)
    .sort(dashboard.VariableSort.AlphabeticalAsc);
}

export function provinceVariable(): dashboard.QueryVariableBuilder {
  return tagVariable('province', 'Tỉnh', `SHOW TAG VALUES FROM "${AREA_SOURCE}" WITH KEY = "province"`);
}

export function districtVariable(): dashboard.QueryVariableBuilder {
  return tagVariable('district', 'Huyện', `SHOW TAG VALUES FROM "${AREA_SOURCE}" WITH KEY = "district" WHERE "province" = '$province'`)
    .includeAll(true)
    .allValue('.*')
    .multi(true);
}

export function communeVariable(): dashboard.QueryVariableBuilder {
  return tagVariable('commune', 'Xã', `SHOW TAG VALUES FROM "${AREA_SOURCE}" WITH KEY = "commune" WHERE ${AREA_FILTER}`);
}

/**
 * Hidden: the pooled satisfied share (0..1) of the area over the dashboard's time range, the mean the
 * rankings shrink toward (analytics/satisfaction.ts). Grafana runs it again when the range changes.
 */
export function meanVariable(name: string, where: string): dashboard.QueryVariableBuilder {
  const query = `SELECT mean("s") FROM (${satisfiedSubquery(`${where} AND $timeFilter`)})`;
  return tagVariable(name, 'Trung bình vùng', query)
    .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
    .hide(dashboard.VariableHide.HideVariable)
    .sort(dashboard.VariableSort.Disabled);
}

/** Hidden constant: the prior weight m of the shrinkage. */
export function priorWeightVariable(): dashboard.ConstantVariableBuilder {
  return new dashboard.ConstantVariableBuilder('prior_m').label('Trọng số tiên nghiệm').value(String(PRIOR_WEIGHT));
}
