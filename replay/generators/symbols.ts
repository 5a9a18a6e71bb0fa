/** Ticker symbols used by the market-data generators; more than these get `SYM<n>` names. */
export const TICKERS: readonly string[] = [
  'NVDA', 'AAPL', 'MSFT', 'AMZN', 'GOOGL', 'META', 'TSLA', 'AMD', 'INTC', 'AVGO',
  'QCOM', 'TXN', 'MU', 'ORCL', 'CRM', 'ADBE', 'NFLX', 'CSCO', 'IBM', 'ARM',
];

/** `count` distinct symbols. */
export function symbols(count: number): string[] {
  return Array.from({ length: count }, (_, i) => TICKERS[i] ?? `SYM${String(i + 1).padStart(4, '0')}`);
}
