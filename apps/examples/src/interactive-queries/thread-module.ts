/**
 * The page-view count as a stream-thread module, for an instance of several stream threads
 * (`StreamsApp.fromModule(new URL('./thread-module.js', import.meta.url), { ..., numStreamThreads: 2 })`):
 * each thread builds the topology here. Its query service is the same (query-service.ts): the
 * threads of one instance share its `applicationServer`.
 */
import { defineStreamThread } from '@rivulet/core';
import { pageViewCountTopology } from './topology.js';

/** What every thread is given (`data` of `StreamsApp.fromModule`). */
export interface PageViewThreadData {
  readonly input: string;
}

export default defineStreamThread(({ data }) => pageViewCountTopology((data as PageViewThreadData).input));
