import type { Prng } from './prng.js';

/** Word lists for plausible generated names (ASCII and a few accented ones, like the real data). */
export const FIRST_NAMES = ['Maria', 'Ana', 'Antonio', 'Thomas', 'Christina', 'Hanna', 'Frédérique', 'Martín', 'Laurence', 'Elizabeth', 'Victoria', 'Patricio', 'Francisco', 'Yang', 'Pedro', 'Jonas', 'Jean', 'Susan', 'Carine', 'Peter', 'Janine', 'Roland', 'Julie', 'Diego', 'Åsa', 'Zbyszek'];
export const LAST_NAMES = ['Anders', 'Trujillo', 'Moreno', 'Hardy', 'Berglund', 'Moos', 'Citeaux', 'Sommer', 'Lebihan', 'Lincoln', 'Ashworth', 'Simpson', 'Chang', 'Afonso', 'Bergulfsen', 'Nelson', 'Schmitt', 'Ferguson', 'Labrune', 'Mendel', 'King', 'Roel', 'Wang', 'Müller', 'Piestrzeniewicz'];
export const CITIES: readonly [string, string, string][] = [
  ['Berlin', 'Germany', ''], ['México D.F.', 'Mexico', ''], ['London', 'UK', ''], ['Luleå', 'Sweden', ''], ['Mannheim', 'Germany', ''],
  ['Strasbourg', 'France', ''], ['Madrid', 'Spain', ''], ['Marseille', 'France', ''], ['Tsawassen', 'Canada', 'BC'], ['Buenos Aires', 'Argentina', ''],
  ['Bern', 'Switzerland', ''], ['São Paulo', 'Brazil', 'SP'], ['Århus', 'Denmark', ''], ['Nantes', 'France', ''], ['Stavern', 'Norway', ''],
  ['San Rafael', 'USA', 'CA'], ['Las Vegas', 'USA', 'NV'], ['Melbourne', 'Australia', 'Victoria'], ['NYC', 'USA', 'NY'], ['Boston', 'USA', 'MA'],
];
const WORDS = ['Alpha', 'Blue', 'Crown', 'Delta', 'Eagle', 'Fjord', 'Globe', 'Harbor', 'Iron', 'Jade', 'Kite', 'Lotus', 'Maple', 'North', 'Oak', 'Pine', 'Quartz', 'River', 'Summit', 'Tiger'];
const KINDS = ['Imports', 'Gifts', 'Traders', 'Collectables', 'Market', 'Delicatessen', 'Supplies', 'Co.', 'Ltd.', 'Distributors'];

export function personName(rng: Prng): [string, string] {
  return [rng.pick(FIRST_NAMES), rng.pick(LAST_NAMES)];
}

export function companyName(rng: Prng): string {
  const name = `${rng.pick(WORDS)} ${rng.pick(WORDS)} ${rng.pick(KINDS)}`;
  // Some names hold a comma, so their CSV field is quoted ("Australian Collectors, Co.").
  return rng.chance(0.1) ? `${name}, Co.` : name;
}

export function street(rng: Prng): string {
  return `${rng.int(1, 9999)} ${rng.pick(WORDS)} ${rng.pick(['St.', 'Road', 'Ave.', 'Str.', 'gate', 'Blvd.'])}`;
}

export function phone(rng: Prng): string {
  return `(${rng.int(100, 999)}) 555-${String(rng.int(0, 9999)).padStart(4, '0')}`;
}
