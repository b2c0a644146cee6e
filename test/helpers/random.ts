import { mulberry32 } from '../../tools/random.ts';

/** Seeded 0..1 generator (tools/random.ts): the search tests, the fuzzers and the face-free frames draw from it. */
export const rng: (seed: number) => () => number = mulberry32;
