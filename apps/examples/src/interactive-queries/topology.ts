/**
 * Page views per user: records keyed by user id, counted in the store `page-view-counts`. Each
 * instance of the app holds the counts of the users whose partitions it runs; the query service
 * (query-service.ts) answers any user from any instance.
 */
import type { Topology } from '@rivulet/core';
import { serdes } from '@rivulet/serde';
import { StreamsBuilder } from '@rivulet/streams';

/** The store the counts are kept in, and queried from. */
export const PAGE_VIEW_COUNTS = 'page-view-counts';

/** The key serde of the store's input: what `queryMetadataForKey` serializes a user id with. */
export const USER_ID = serdes.string();

/** `input` (key: user id, value: the page) -> the count of views per user, in {@link PAGE_VIEW_COUNTS}. */
export function pageViewCountTopology(input: string): Topology {
  const builder = new StreamsBuilder();
  builder
    .source(input, { key: USER_ID, value: serdes.string() })
    .groupByKey()
    .count({ store: PAGE_VIEW_COUNTS });
  return builder.build();
}

/** Sample views: user `user-<n>` views `n % 5 + 1` pages, so the count of each user is known. */
export function samplePageViews(users: number): { user: string; page: string }[] {
  const views: { user: string; page: string }[] = [];
  for (let n = 0; n < users; n++) {
    for (let v = 0; v < expectedViews(n); v++) views.push({ user: `user-${n}`, page: `/page/${v}` });
  }
  return views;
}

/** How many views {@link samplePageViews} gives user `user-<n>`. */
export function expectedViews(n: number): number {
  return (n % 5) + 1;
}
