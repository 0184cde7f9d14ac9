/**
 * Fraud alerts: card payments counted per card in one-minute tumbling windows of event time (the
 * payment's timestamp), accepting payments up to 10 s late. With `emit: 'final'` each window's
 * count is sent once, when the window closes (stream time past its end + grace), not on every
 * payment: a card over the threshold raises one alert per window, never a flurry of updates, and
 * never one that a late payment would have to take back. The counts stay queryable in the window
 * store `payments-per-window` (`app.windowStore(name)`).
 */
import { serdes } from '@rivulet/serde';
import { StreamsBuilder, TimeWindows } from '@rivulet/streams';

export interface Payment {
  card: string;
  /** In cents. */
  amount: number;
  merchant: string;
}

/** A card that made more than the allowed number of payments in one window. */
export interface FraudAlert {
  card: string;
  /** The window, as epoch milliseconds: `[windowStart, windowEnd)`. */
  windowStart: number;
  windowEnd: number;
  payments: number;
}

export interface FraudAlertTopics {
  /** Payments, keyed by card. */
  payments: string;
  /** Alerts, keyed by card. */
  alerts: string;
}

export interface FraudAlertSettings {
  /** The window size (default one minute). */
  windowMs?: number;
  /** How late a payment may arrive and still count (default 10 s). */
  graceMs?: number;
  /** More payments than this in one window raise an alert (default 3). */
  maxPaymentsPerWindow?: number;
}

/** The window store of the counts. */
export const PAYMENTS_PER_WINDOW_STORE = 'payments-per-window';

export function fraudAlertTopology({ payments, alerts }: FraudAlertTopics, settings: FraudAlertSettings = {}) {
  const { windowMs = 60_000, graceMs = 10_000, maxPaymentsPerWindow = 3 } = settings;
  const builder = new StreamsBuilder();
  const perWindow = builder
    .source(payments, { key: serdes.string(), value: serdes.json<Payment>() })
    .groupByKey()
    .windowedBy(TimeWindows.ofSizeAndGrace(windowMs, graceMs))
    // The store keeps an hour of windows for interactive queries (by default only size + grace).
    .count({ store: PAYMENTS_PER_WINDOW_STORE, emit: 'final', retentionMs: 60 * 60_000 });
  perWindow
    .toStream()
    .filter((_window, count) => count > maxPaymentsPerWindow)
    .map((windowed, count) => {
      const alert: FraudAlert = { card: windowed.key, windowStart: windowed.window.start, windowEnd: windowed.window.end, payments: Number(count) };
      return [windowed.key, alert] as const;
    })
    .sink(alerts, { key: serdes.string(), value: serdes.json<FraudAlert>() });
  // Typed with the window store: app.windowStore(PAYMENTS_PER_WINDOW_STORE) reads bigint counts per card.
  return builder.build(perWindow);
}

/** A payment with its event time, and when it reaches Kafka. */
export interface TimedPayment {
  /** The event time: when the card paid (the record's timestamp). */
  timestamp: number;
  /** When it reaches Kafka: at its timestamp, or later for a payment that comes late. */
  arrival: number;
  payment: Payment;
}

/** The sample cards. */
export const SAMPLE_CARDS = ['card-1111', 'card-2024', 'card-1337', 'card-4242', 'card-5555', 'card-7777', 'card-8080', 'card-9001'];

/** The alerts the sample payments raise (default settings): the card, the window (minute from the start) and its count. */
export const SAMPLE_ALERTS: readonly { card: string; minute: number; payments: number }[] = [
  { card: 'card-4242', minute: 1, payments: 5 },
  { card: 'card-7777', minute: 2, payments: 4 },
  { card: 'card-1337', minute: 3, payments: 4 },
];

const MERCHANTS = ['grocer', 'cafe', 'fuel', 'books', 'online'];

/**
 * Six minutes of payments from `startMs` (a multiple of a minute), in arrival order:
 * - every card pays once a minute, for minutes 0 to 4;
 * - card-4242 pays 4 more times in minute 1: 5 payments, an alert;
 * - card-1337 pays 3 more times in minute 3: 4 payments, an alert;
 * - card-2024 pays 2 more times in minute 2: 3 payments, the threshold, no alert;
 * - card-7777 pays 2 more times in minute 2, and a 4th payment stamped 2:55 arrives at 3:05, within
 *   the 10 s grace: 4 payments, an alert;
 * - card-5555 pays 2 more times in minute 0, and a 4th payment stamped 0:50 arrives at 2:00, after
 *   its window closed (1:10): dropped as late, 3 payments, no alert;
 * - at 6:00 every card pays once more: stream time moves past every window of minutes 0 to 4 in
 *   every partition, so they all close and emit (the minute-6 windows stay open).
 */
export function samplePayments(startMs: number): TimedPayment[] {
  const arrivals: { arrival: number; timestamp: number; card: string }[] = [];
  const pay = (card: string, second: number, stampedSecond = second) =>
    arrivals.push({ arrival: startMs + second * 1000, timestamp: startMs + stampedSecond * 1000, card });
  for (let minute = 0; minute <= 4; minute++) {
    SAMPLE_CARDS.forEach((card, i) => pay(card, minute * 60 + 5 + i * 5));
  }
  for (const s of [62, 63, 64, 65]) pay('card-4242', s);
  for (const s of [200, 201, 202]) pay('card-1337', s);
  for (const s of [150, 151]) pay('card-2024', s);
  for (const s of [160, 161]) pay('card-7777', s);
  pay('card-7777', 185, 175);
  for (const s of [20, 21]) pay('card-5555', s);
  pay('card-5555', 120, 50);
  SAMPLE_CARDS.forEach((card) => pay(card, 360));
  // Stable sort: arrivals at the same second keep the order above.
  arrivals.sort((a, b) => a.arrival - b.arrival);
  return arrivals.map(({ timestamp, arrival, card }, i) => ({
    timestamp,
    arrival,
    payment: { card, amount: 100 + ((i * 739) % 9_900), merchant: MERCHANTS[i % MERCHANTS.length]! },
  }));
}
