import type { Placement, Registry } from '../../devices/registry/index.ts';
import { ReportError } from './errors.ts';

export type Area = {
  code: string;
  level: 'province' | 'district' | 'commune';
  name: string;
  provinceCode: string;
  communes: Placement[];
};

/** A province (2 digits), district (3) or commune (5) code of the registry → its communes. */
export function resolveArea(registry: Registry, code: string): Area {
  const all = registry.allCommunes();
  const pick = (
    level: Area['level'],
    match: (p: Placement) => boolean,
    name: (p: Placement) => string,
  ): Area | undefined => {
    const communes = all.filter(match);
    return communes.length
      ? { code, level, name: name(communes[0]), provinceCode: communes[0].province.code, communes }
      : undefined;
  };
  const province = registry.file.provinces.find((p) => p.code === code);
  if (province) {
    const found = pick(
      'province',
      (p) => p.province.code === code,
      (p) => p.province.name,
    );
    return found ?? { code, level: 'province', name: province.name, provinceCode: code, communes: [] };
  }
  const area =
    (/^\d{3}$/.test(code) &&
      pick(
        'district',
        (p) => p.district?.code === code,
        (p) => p.district!.name,
      )) ||
    (/^\d{5}$/.test(code) &&
      pick(
        'commune',
        (p) => p.commune.code === code,
        (p) => p.commune.name,
      )) ||
    undefined;
  if (!area) {
    throw new ReportError(
      'UNKNOWN_AREA',
      `Không tìm thấy đơn vị hành chính có mã "${code}" trong sổ đăng ký (mã tỉnh 2 chữ số, huyện 3 chữ số, xã 5 chữ số)`,
    );
  }
  return area;
}
