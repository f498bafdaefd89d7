import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { PRIOR_WEIGHT, satisfiedSubquery } from '../devices/analytics/satisfaction.ts';
import { DATASOURCE } from './influx-query.ts';
import { demoUnitNames, type UnitNames } from './units.ts';

/**
 * Template variables: province → district (absent in two-tier provinces: "All" = any, including none)
 * → commune. Values are official codes, the tags the collector writes; people see the names (units.ts).
 */

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

/** Grafana custom variable syntax: "text : value" pairs separated by commas (a comma in a name is escaped) */
function namedVariable(
  name: string,
  label: string,
  list: { code: string; name: string }[],
  all = false,
): dashboard.CustomVariableBuilder {
  const text = (n: string) => n.replace(/,/g, '\\,');
  const options = list.map((u, i) => ({ text: u.name, value: u.code, selected: !all && i === 0 }));
  const v = new dashboard.CustomVariableBuilder(name)
    .label(label)
    .values(list.map((u) => `${text(u.name)} : ${u.code}`).join(', '))
    .options(options);
  if (all) return v.includeAll(true).current({ text: 'All', value: '$__all', selected: true });
  return options.length ? v.current({ text: options[0].text, value: options[0].value, selected: true }) : v;
}

/** Provinces by name (value: the code), from the registry the dashboards were built for (units.ts). */
export function provinceVariable(units: UnitNames = demoUnitNames()): dashboard.CustomVariableBuilder {
  return namedVariable('province', 'Tỉnh', units.provinces);
}

/**
 * Districts by name where the registry has them (the old three-tier structure); "All" (any, including none) is
 * the default and the only choice in a two-tier province.
 */
export function districtVariable(units: UnitNames = demoUnitNames()): dashboard.CustomVariableBuilder {
  const list = [...units.districts].sort((a, b) => a.name.localeCompare(b.name, 'vi'));
  return namedVariable('district', 'Huyện', list, true).allValue('.*').multi(true);
}

/** Communes by name ("Xã …", "Phường …"; value: the code). */
export function communeVariable(units: UnitNames = demoUnitNames()): dashboard.CustomVariableBuilder {
  return namedVariable(
    'commune',
    'Xã/phường',
    [...units.communes].sort((a, b) => a.name.localeCompare(b.name, 'vi')),
  );
}

/**
 * Hidden: the pooled satisfied share (0..1) of the area over the dashboard's time range, the mean the
 * rankings shrink toward (devices/analytics/satisfaction.ts). Grafana runs it again when the range changes.
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

export type Variable = cog.Builder<dashboard.VariableModel>;

/** The area pickers every dashboard starts with: province, district and, on a one-commune dashboard, the commune. */
export function areaVariables(units: UnitNames, scope: 'area' | 'commune'): Variable[] {
  const area = [provinceVariable(units), districtVariable(units)];
  return scope === 'commune' ? [...area, communeVariable(units)] : area;
}

/** The shrunk index's two hidden variables: the mean of the area selected by `where`, and the prior weight. */
export function shrinkageVariables(meanName: string, where: string): Variable[] {
  return [meanVariable(meanName, where), priorWeightVariable()];
}
