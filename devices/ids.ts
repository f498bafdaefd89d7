import { z } from 'zod';

/**
 * Ids appear inside MQTT topics and InfluxDB tags, so they are restricted to
 * topic-safe characters: lowercase ASCII letters, digits and inner hyphens.
 * No '/', '+', '#', '$', spaces or diacritics (display names carry those).
 */
export const ID_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;

export const Id = z
  .string()
  .regex(ID_PATTERN, 'id: chỉ chữ thường a-z, số 0-9 và dấu "-" (only a-z, 0-9 and inner "-", at most 64 chars)');

export function isId(value: string): boolean {
  return ID_PATTERN.test(value);
}

/** Official administrative unit codes (General Statistics Office): 2-digit provinces, 3-digit districts, 5-digit communes. */
export const ProvinceCode = z.string().regex(/^\d{2}$/, 'mã tỉnh: 2 chữ số (province code: 2 digits)');
export const DistrictCode = z.string().regex(/^\d{3}$/, 'mã huyện: 3 chữ số (district code: 3 digits)');
export const CommuneCode = z.string().regex(/^\d{5}$/, 'mã xã: 5 chữ số (commune code: 5 digits)');
