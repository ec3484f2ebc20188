/** Receive from any sender. */
export const ANY_SOURCE = -1;
/** Receive with any tag. */
export const ANY_TAG = -1;
/** The null process: sends to it complete at once, receives from it yield `undefined`. */
export const PROC_NULL = -2;
/** Marks "no value": `split` colour for ranks that want no communicator, `waitany` index when none is active. */
export const UNDEFINED = -32766;
/** The largest tag a user may pass. */
export const TAG_UB = 2 ** 31 - 1;
