// OPTIMIZE's choice of files, and its defaults: on their own, so that configuration (which every
// process loads, stream threads included) reads the defaults without loading the Delta writer.
import { SMALL_FILE_ROWS } from './stats.ts';

/** Which files OPTIMIZE rewrites, and how large it writes them. */
export interface OptimizeOptions {
  /** A file whose deletion vector deletes at least this fraction of its rows is rewritten (0 < f ≤ 1). */
  deletedFraction: number;
  /** A file with fewer rows left than this is small: small files are packed together. */
  minFileRows: number;
  /** Rows per written file at most. */
  targetFileRows: number;
}

/** Defaults of the choice (the writer's targetFileRows sets the size). */
export const DEFAULT_OPTIMIZE: Omit<OptimizeOptions, 'targetFileRows'> = { deletedFraction: 0.2, minFileRows: SMALL_FILE_ROWS };
