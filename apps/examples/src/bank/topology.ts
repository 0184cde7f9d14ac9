/**
 * Bank transfers with exactly_once: each transfer debits one account and credits another; balances
 * per account are a running sum in the changelogged store `balances`. Money moves but is never
 * created or lost: the sum of all balances stays zero, across crashes, for a read_committed reader.
 */
import { serdes } from '@rivulet/serde';
import { StreamsBuilder } from '@rivulet/streams';

/** A transfer of `amount` cents from one account to another. */
export interface Transfer {
  id: string;
  from: string;
  to: string;
  amount: number;
}

export interface BankTopics {
  transfers: string;
  balances: string;
}

export function bankTopology({ transfers, balances }: BankTopics) {
  const builder = new StreamsBuilder();
  const balanceTable = builder
    .source(transfers, { key: serdes.string(), value: serdes.json<Transfer>() })
    // One transfer, two movements: the debit and the credit, each keyed by its account.
    .flatMap((_id, t) => [
      [t.from, -t.amount],
      [t.to, t.amount],
    ] as const)
    .groupByKey({ key: serdes.string(), value: serdes.json<number>(), name: 'movements' })
    .reduce((balance, amount) => balance + amount, { store: 'balances', value: serdes.json<number>() });
  balanceTable.toStream().sink(balances, { key: serdes.string(), value: serdes.json<number>() });
  // Typed with the store: app.store('balances') reads numbers per account, no type arguments.
  return builder.build(balanceTable);
}

/** Deterministic transfers between `accounts` accounts, for the demo and the verifier. */
export function makeTransfers(count: number, accounts: number, seed = 7): Transfer[] {
  let x = seed;
  const next = (n: number): number => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return x % n;
  };
  return Array.from({ length: count }, (_, i) => {
    const from = next(accounts);
    const to = (from + 1 + next(accounts - 1)) % accounts;
    return { id: `t${i}`, from: `acct-${from}`, to: `acct-${to}`, amount: 1 + next(10_000) };
  });
}

/** The balance each account must end with, from the transfers alone. */
export function expectedBalances(transfers: readonly Transfer[]): Map<string, number> {
  const balances = new Map<string, number>();
  for (const t of transfers) {
    balances.set(t.from, (balances.get(t.from) ?? 0) - t.amount);
    balances.set(t.to, (balances.get(t.to) ?? 0) + t.amount);
  }
  return balances;
}
