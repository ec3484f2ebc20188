import { describe, expect, it } from 'vitest';
import { MpiError } from '../src/errors.js';
import {
  BAND,
  BOR,
  BXOR,
  LAND,
  LOR,
  LXOR,
  MAX,
  MAXLOC,
  MIN,
  MINLOC,
  NO_OP,
  Op,
  PROD,
  REPLACE,
  SUM,
  isUserOpError,
} from '../src/ops.js';

function errorClassOf(action: () => unknown): string | undefined {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(MpiError);
    return (error as MpiError).errorClass;
  }
  return undefined;
}

describe('built-in ops on scalars', () => {
  it('SUM PROD MAX MIN on numbers and bigints', () => {
    expect(SUM.apply(2, 3)).toBe(5);
    expect(PROD.apply(2, 3)).toBe(6);
    expect(MAX.apply(2, 3)).toBe(3);
    expect(MIN.apply(2, 3)).toBe(2);
    expect(SUM.apply(2n ** 70n, 1n)).toBe(2n ** 70n + 1n);
    expect(PROD.apply(-3n, 4n)).toBe(-12n);
    expect(MAX.apply(-3n, 4n)).toBe(4n);
    expect(MIN.apply(-3n, 4n)).toBe(-3n);
  });

  it('keeps IEEE specials', () => {
    expect(SUM.apply(-0, -0)).toBe(-0);
    expect(SUM.apply(Infinity, 1)).toBe(Infinity);
    expect(MAX.apply(NaN, 1)).toBeNaN();
  });

  it('logical ops: booleans give booleans, numbers give 1/0 with C truth (NaN is true), bigints 1n/0n', () => {
    expect(LAND.apply(true, false)).toBe(false);
    expect(LOR.apply(true, false)).toBe(true);
    expect(LXOR.apply(true, true)).toBe(false);
    expect(LAND.apply(2, -1)).toBe(1);
    expect(LAND.apply(2, 0)).toBe(0);
    expect(LOR.apply(0, 0)).toBe(0);
    expect(LOR.apply(NaN, 0)).toBe(1);
    expect(LXOR.apply(5, 0)).toBe(1);
    expect(LXOR.apply(5, 7)).toBe(0);
    expect(LAND.apply(3n, 0n)).toBe(0n);
    expect(LOR.apply(3n, 0n)).toBe(1n);
  });

  it('bitwise ops: 32-bit on numbers, exact on bigints', () => {
    expect(BAND.apply(0b1100, 0b1010)).toBe(0b1000);
    expect(BOR.apply(0b1100, 0b1010)).toBe(0b1110);
    expect(BXOR.apply(0b1100, 0b1010)).toBe(0b0110);
    expect(BOR.apply(2 ** 32 + 1, 2)).toBe(3);
    expect(BAND.apply(2n ** 64n + 5n, 2n ** 64n + 4n)).toBe(2n ** 64n + 4n);
  });

  it('REPLACE gives the right operand and NO_OP the left, for any value', () => {
    expect(REPLACE.apply('a', 'b')).toBe('b');
    expect(NO_OP.apply({ x: 1 }, { x: 2 })).toEqual({ x: 1 });
    expect(REPLACE.commute).toBe(false);
    expect(NO_OP.commute).toBe(false);
  });
});

describe('MAXLOC and MINLOC', () => {
  it('pick the extreme value with its index', () => {
    expect(MAXLOC.apply([3, 0], [5, 1])).toEqual([5, 1]);
    expect(MAXLOC.apply([5, 0], [3, 1])).toEqual([5, 0]);
    expect(MINLOC.apply([3, 0], [5, 1])).toEqual([3, 0]);
    expect(MINLOC.apply([5n, 4], [3n, 9])).toEqual([3n, 9]);
  });

  it('ties go to the lower index, whichever side it is on', () => {
    expect(MAXLOC.apply([7, 4], [7, 2])).toEqual([7, 2]);
    expect(MAXLOC.apply([7, 2], [7, 4])).toEqual([7, 2]);
    expect(MINLOC.apply([7, 9], [7, 3])).toEqual([7, 3]);
  });

  it('work element-wise on arrays of pairs and return fresh pairs', () => {
    const a: [number, number] = [1, 0];
    const result = MAXLOC.apply([a, [9, 0]], [[2, 1], [9, 1]]);
    expect(result).toEqual([[2, 1], [9, 0]]);
    expect(MAXLOC.apply(a, [0, 1])).not.toBe(a);
  });

  it('refuse plain numbers and typed arrays with ERR_OP', () => {
    expect(errorClassOf(() => MAXLOC.apply(1, 2))).toBe('ERR_OP');
    expect(errorClassOf(() => MINLOC.apply(new Float64Array(2), new Float64Array(2)))).toBe('ERR_OP');
  });
});

describe('element-wise on arrays', () => {
  it('plain arrays, recursively, without modifying the operands', () => {
    const a = [1, [2, 3], 4n];
    const b = [10, [20, 30], 40n];
    expect(SUM.apply(a, b)).toEqual([11, [22, 33], 44n]);
    expect(a).toEqual([1, [2, 3], 4n]);
  });

  it('typed arrays keep their type', () => {
    const sum = SUM.apply(Float32Array.of(1.5, 2), Float32Array.of(1, 1));
    expect(sum).toBeInstanceOf(Float32Array);
    expect([...sum]).toEqual([2.5, 3]);
    const big = MAX.apply(BigInt64Array.of(1n, -5n), BigInt64Array.of(0n, 3n));
    expect(big).toBeInstanceOf(BigInt64Array);
    expect([...big]).toEqual([1n, 3n]);
  });

  it('integer typed arrays wrap like C integers, PROD without losing precision', () => {
    expect([...SUM.apply(Int32Array.of(2 ** 31 - 1), Int32Array.of(1))]).toEqual([-(2 ** 31)]);
    expect([...SUM.apply(Uint8Array.of(250), Uint8Array.of(10))]).toEqual([4]);
    // 0x7fffffff * 0x7fffffff mod 2^32 = 1: needs exact 32-bit multiplication.
    expect([...PROD.apply(Int32Array.of(0x7fffffff), Int32Array.of(0x7fffffff))]).toEqual([1]);
    expect([...PROD.apply(Uint32Array.of(0xffffffff), Uint32Array.of(0xffffffff))]).toEqual([1]);
    expect([...SUM.apply(BigInt64Array.of(2n ** 63n - 1n), BigInt64Array.of(1n))]).toEqual([-(2n ** 63n)]);
    // A Uint8ClampedArray clamps, as its own stores do (docs/API.md says so).
    expect([...SUM.apply(Uint8ClampedArray.of(200), Uint8ClampedArray.of(200))]).toEqual([255]);
  });

  it('bitwise ops on integer typed arrays, refused on float ones', () => {
    expect([...BXOR.apply(Uint32Array.of(0xffffffff), Uint32Array.of(0x0f0f0f0f))]).toEqual([0xf0f0f0f0]);
    expect([...BAND.apply(BigUint64Array.of(2n ** 64n - 1n), BigUint64Array.of(6n))]).toEqual([6n]);
    expect(errorClassOf(() => BAND.apply(Float64Array.of(1), Float64Array.of(1)))).toBe('ERR_OP');
  });

  it('logical ops on typed arrays give 1/0 elements', () => {
    expect([...LOR.apply(Float64Array.of(0, 0, 2), Float64Array.of(0, 3, 0))]).toEqual([0, 1, 1]);
  });

  it('mismatched lengths are ERR_COUNT', () => {
    expect(errorClassOf(() => SUM.apply(new Float64Array(3), new Float64Array(4)))).toBe('ERR_COUNT');
    expect(errorClassOf(() => SUM.apply([1, 2], [1, 2, 3]))).toBe('ERR_COUNT');
    expect(errorClassOf(() => REPLACE.apply(new Int32Array(1), new Int32Array(2)))).toBe('ERR_COUNT');
    expect(errorClassOf(() => SUM.applyInto(new Float64Array(3), new Float64Array(2), true))).toBe('ERR_COUNT');
  });

  it('mixed or unsupported types are ERR_OP naming the op and the type', () => {
    expect(errorClassOf(() => SUM.apply<unknown>(new Float64Array(1), new Int32Array(1)))).toBe('ERR_OP');
    expect(errorClassOf(() => SUM.apply<unknown>(1, 1n))).toBe('ERR_OP');
    expect(errorClassOf(() => SUM.apply(true, false))).toBe('ERR_OP');
    expect(errorClassOf(() => MAX.apply({}, {}))).toBe('ERR_OP');
    expect(() => SUM.apply('a', 'b')).toThrow(/SUM does not apply to string/);
  });
});

describe('applyInto', () => {
  it('writes target ∘ other or other ∘ target into target', () => {
    const target = Float64Array.of(10, 20);
    SUM.applyInto(target, Float64Array.of(1, 2), true);
    expect([...target]).toEqual([11, 22]);
    const concatLike = Op.create((a: Float64Array, b: Float64Array) => Float64Array.of(a[0]! * 10 + b[0]!), false);
    const left = Float64Array.of(1);
    concatLike.applyInto(left, Float64Array.of(2), true);
    expect(left[0]).toBe(12);
    const right = Float64Array.of(1);
    concatLike.applyInto(right, Float64Array.of(2), false);
    expect(right[0]).toBe(21);
  });

  it('REPLACE and NO_OP pick the right side', () => {
    const a = Int32Array.of(1);
    REPLACE.applyInto(a, Int32Array.of(2), true);
    expect(a[0]).toBe(2);
    const b = Int32Array.of(1);
    REPLACE.applyInto(b, Int32Array.of(2), false);
    expect(b[0]).toBe(1);
    const c = Int32Array.of(1);
    NO_OP.applyInto(c, Int32Array.of(2), false);
    expect(c[0]).toBe(2);
  });

  it('a user op returning the wrong length is ERR_COUNT', () => {
    const grow = Op.create((a: Int32Array) => Int32Array.of(...a, 0));
    expect(errorClassOf(() => grow.applyInto(new Int32Array(2), new Int32Array(2), true))).toBe('ERR_COUNT');
  });
});

describe('applyTo', () => {
  it('writes left ∘ right into a third array and leaves the operands alone', () => {
    const left = Float64Array.of(1, 2);
    const right = Float64Array.of(10, 20);
    const out = new Float64Array(2);
    SUM.applyTo(out, left, right);
    expect([...out]).toEqual([11, 22]);
    expect([...left]).toEqual([1, 2]);
    expect([...right]).toEqual([10, 20]);
    const ordered = Op.create((a: Float64Array, b: Float64Array) => Float64Array.of(a[0]! * 10 + b[0]!), false);
    const single = new Float64Array(1);
    ordered.applyTo(single, Float64Array.of(3), Float64Array.of(4));
    expect(single[0]).toBe(34);
  });

  it('may write over either operand', () => {
    const a = Int32Array.of(5, 6);
    PROD.applyTo(a, a, Int32Array.of(2, 3));
    expect([...a]).toEqual([10, 18]);
    const b = Int32Array.of(5, 6);
    MAX.applyTo(b, Int32Array.of(9, 1), b);
    expect([...b]).toEqual([9, 6]);
  });

  it('REPLACE copies the right operand, NO_OP the left', () => {
    const out = new Int32Array(1);
    REPLACE.applyTo(out, Int32Array.of(1), Int32Array.of(2));
    expect(out[0]).toBe(2);
    NO_OP.applyTo(out, Int32Array.of(1), Int32Array.of(2));
    expect(out[0]).toBe(1);
  });

  it('an output of another length or type fails before writing', () => {
    const out = Int32Array.of(7, 7, 7);
    expect(errorClassOf(() => SUM.applyTo(out, Int32Array.of(1, 2), Int32Array.of(1, 2)))).toBe('ERR_COUNT');
    expect([...out]).toEqual([7, 7, 7]);
    expect(errorClassOf(() => SUM.applyTo(new Float64Array(2), Int32Array.of(1, 2), Int32Array.of(1, 2)))).toBe('ERR_OP');
  });
});

describe('Op.create', () => {
  it('wraps a function, commutative by default', () => {
    const op = Op.create(function concat(a: string, b: string) {
      return a + b;
    });
    expect(op.commute).toBe(true);
    expect(op.builtin).toBe(false);
    expect(op.name).toBe('USER:concat');
    expect(op.apply('x', 'y')).toBe('xy');
    expect(Op.create((a: number, b: number) => a - b, false).commute).toBe(false);
    expect(SUM.builtin).toBe(true);
  });

  it('rejects a non-function or a non-boolean commute with ERR_ARG', () => {
    expect(errorClassOf(() => Op.create(42 as unknown as (a: unknown, b: unknown) => unknown))).toBe('ERR_ARG');
    expect(errorClassOf(() => Op.create((a: number) => a, 'yes' as unknown as boolean))).toBe('ERR_ARG');
  });
});

describe("a user op's own errors", () => {
  it('are marked as its own, through apply and applyTo alike, and nothing else is', () => {
    const refusing = Op.create((): Float64Array => {
      throw new RangeError('my op refuses');
    });
    const thrown: unknown[] = [];
    for (const call of [() => refusing.apply(Float64Array.of(1), Float64Array.of(2)), () => refusing.applyTo(new Float64Array(1), Float64Array.of(1), Float64Array.of(2))]) {
      try {
        call();
      } catch (err) {
        thrown.push(err);
      }
    }
    expect(thrown).toHaveLength(2);
    for (const err of thrown) expect([err instanceof RangeError, isUserOpError(err)]).toEqual([true, true]);
    expect(isUserOpError(new TypeError('from inside an algorithm'))).toBe(false);
  });

  it('applyTo hands the function copies of all but `out`, so it may overwrite them', () => {
    const intoB = Op.create((a: Float64Array, b: Float64Array) => {
      b[0]! += a[0]!;
      a[0] = -1;
      return b;
    });
    const left = Float64Array.of(1);
    const right = Float64Array.of(2);
    const out = new Float64Array(1);
    intoB.applyTo(out, left, right);
    expect([out[0], left[0], right[0]]).toEqual([3, 1, 2]);
  });
});

describe('checkOperand', () => {
  const BUILTINS = { SUM, PROD, MAX, MIN, LAND, LOR, LXOR, BAND, BOR, BXOR, MAXLOC, MINLOC, REPLACE, NO_OP };
  const VALUES: Array<[string, unknown]> = [
    ['number', 3],
    ['bigint', 3n],
    ['boolean', true],
    ['string', 'x'],
    ['pair', [2, 1]],
    ['array of numbers', [1, 2]],
    ['array of pairs', [[1, 0], [2, 1]]],
    ['object', { a: 1 }],
    ['null', null],
    ['Float64Array', Float64Array.of(1.5, 2)],
    ['Float32Array', Float32Array.of(1.5)],
    ['empty Float64Array', new Float64Array(0)],
    ['Int32Array', Int32Array.of(-3, 4)],
    ['Uint8Array', Uint8Array.of(1)],
    ['Uint8ClampedArray', Uint8ClampedArray.of(1)],
    ['Int16Array', Int16Array.of(1)],
    ['BigInt64Array', BigInt64Array.of(5n)],
    ['BigUint64Array', BigUint64Array.of(5n)],
    ['Buffer', Buffer.from([1, 2])],
    ['DataView', new DataView(new ArrayBuffer(8))],
  ];
  const outcome = (run: () => unknown): string => {
    try {
      run();
      return 'ok';
    } catch (err) {
      return `${(err as MpiError).errorClass}: ${(err as Error).message}`;
    }
  };

  for (const [opName, op] of Object.entries(BUILTINS)) {
    it(`${opName}: refuses exactly what apply(value, value) refuses, with the same error`, () => {
      for (const [kind, value] of VALUES) {
        expect(outcome(() => op.checkOperand(value)), `${opName} on ${kind}`).toBe(outcome(() => op.apply(value, value)));
      }
    });
  }

  it('never calls a user op', () => {
    let calls = 0;
    const user = Op.create((a: number, b: number) => (calls++, a + b));
    user.checkOperand(1);
    user.checkOperand(Float64Array.of(1));
    expect(calls).toBe(0);
  });

  it('allocates nothing for a typed array: a subclass is never constructed', () => {
    let constructed = 0;
    class Counted extends Float64Array {
      constructor(length: number) {
        super(length);
        constructed++;
      }
    }
    const data = new Counted(4);
    for (const op of [SUM, MAX, BXOR, REPLACE]) {
      const applied = outcome(() => op.apply(data, data));
      constructed = 0;
      expect(outcome(() => op.checkOperand(data)), op.name).toBe(applied);
      expect(constructed, op.name).toBe(0);
    }
  });
});
