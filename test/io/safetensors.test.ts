import { mkdtempSync, readFileSync, readdirSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  SafetensorsError,
  loadSafetensors,
  loadSafetensorsSync,
  loadSafetensorsWithMetadata,
  parseSafetensors,
  saveSafetensors,
  saveSafetensorsSync,
  serializeSafetensors,
} from '../../src/io/safetensors.js';
import { tensor, type Tensor } from '../../src/tensor.js';

const GOLDEN = fileURLToPath(new URL('../fixtures/golden/', import.meta.url));

/** A safetensors file from a header (object or raw JSON text) and a data buffer. */
function build(header: unknown, data: Uint8Array | number = 0, declaredLength?: bigint): Uint8Array {
  const json = Buffer.from(typeof header === 'string' ? header : JSON.stringify(header), 'utf8');
  const bytes = typeof data === 'number' ? new Uint8Array(data) : data;
  const out = new Uint8Array(8 + json.length + bytes.length);
  new DataView(out.buffer).setBigUint64(0, declaredLength ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(bytes, 8 + json.length);
  return out;
}

function u16(bits: number[]): Uint8Array {
  const out = new Uint8Array(bits.length * 2);
  bits.forEach((b, i) => new DataView(out.buffer).setUint16(2 * i, b, true));
  return out;
}

function expectError(bytes: Uint8Array, message: RegExp): void {
  let caught: unknown;
  try {
    parseSafetensors(bytes);
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(SafetensorsError);
  expect((caught as Error).name).toBe('SafetensorsError');
  expect((caught as Error).message).toMatch(message);
}

const f32 = (name = 'w', dtype: unknown = 'F32', shape: unknown = [2], offsets: unknown = [0, 8]) => ({ [name]: { dtype, shape, data_offsets: offsets } });

describe('serialize / parse round trip', () => {
  it('round-trips float32 tensors with metadata, specials and odd shapes', () => {
    const sd: Record<string, Tensor> = {
      'weight_ih_l0': tensor([[1.5, -2], [3, 4e-39]]),
      'bias': tensor([NaN, Infinity, -Infinity, -0]),
      'scalar': { data: new Float32Array([7]), shape: [] },
      'empty': { data: new Float32Array(0), shape: [0, 3] },
    };
    const bytes = serializeSafetensors(sd, { format: 'pt', note: 'ünïcødé' });
    const { tensors, metadata } = parseSafetensors(bytes);
    expect(metadata).toEqual({ format: 'pt', note: 'ünïcødé' });
    expect(Object.keys(tensors).sort()).toEqual(Object.keys(sd).sort());
    for (const [name, t] of Object.entries(sd)) {
      expect(tensors[name].shape).toEqual(t.shape);
      expect(tensors[name].data).toBeInstanceOf(Float32Array);
      expect(Array.from(tensors[name].data)).toEqual(Array.from(t.data));
    }
    expect(Object.is(tensors.bias.data[3], -0)).toBe(true);
  });

  it('round-trips float64 exactly when float64 is asked, and rounds to float32 by default', () => {
    const values = [Math.PI, 1e-300, -1 / 3, 2 ** 60 + 2 ** 8];
    const sd = { x: tensor(values, [2, 2], 'float64') };
    const bytes = serializeSafetensors(sd);
    const header = JSON.parse(Buffer.from(bytes).subarray(8, 8 + Number(Buffer.from(bytes).readBigUInt64LE(0))).toString());
    expect(header.x.dtype).toBe('F64');
    const as64 = parseSafetensors(bytes, { dtype: 'float64' }).tensors.x;
    expect(as64.data).toBeInstanceOf(Float64Array);
    expect(Array.from(as64.data)).toEqual(values);
    const as32 = parseSafetensors(bytes).tensors.x;
    expect(as32.data).toBeInstanceOf(Float32Array);
    expect(Array.from(as32.data)).toEqual(Array.from(Float32Array.from(values)));
  });

  it('writes a padded header, sorted names and contiguous data, the same bytes for any insertion order', () => {
    const a = { b: tensor([1, 2, 3]), a: tensor([4]), c: tensor([5, 6], undefined, 'float64') };
    const b = { c: a.c, a: a.a, b: a.b };
    const bytes = serializeSafetensors(a);
    expect(Buffer.compare(bytes, serializeSafetensors(b))).toBe(0);
    const n = Number(bytes.readBigUInt64LE(0));
    expect(n % 8).toBe(0);
    const header = JSON.parse(bytes.subarray(8, 8 + n).toString('utf8'));
    expect(Object.keys(header)).toEqual(['a', 'b', 'c']);
    expect(header.a.data_offsets).toEqual([0, 4]);
    expect(header.b.data_offsets).toEqual([4, 16]);
    expect(header.c.data_offsets).toEqual([16, 32]);
    expect(bytes.length).toBe(8 + n + 32);
    expect('__metadata__' in header).toBe(false);
  });

  it('reads tensors at unaligned offsets and from a Buffer at an odd byteOffset, copying the data out', () => {
    const data = new Uint8Array(2 + 8);
    new DataView(data.buffer).setUint16(0, 0x3c00, true); // F16 1.0
    new DataView(data.buffer).setFloat32(2, 1.25, true);
    new DataView(data.buffer).setFloat32(6, -3.5, true);
    const file = build({ a: { dtype: 'F16', shape: [1], data_offsets: [0, 2] }, b: { dtype: 'F32', shape: [2], data_offsets: [2, 10] } }, data);
    const shifted = new Uint8Array(file.length + 3);
    shifted.set(file, 3);
    const view = shifted.subarray(3);
    const { tensors } = parseSafetensors(view);
    expect(Array.from(tensors.a.data)).toEqual([1]);
    expect(Array.from(tensors.b.data)).toEqual([1.25, -3.5]);
    shifted.fill(0);
    expect(Array.from(tensors.b.data)).toEqual([1.25, -3.5]); // not a view into the file
    // a Node Buffer's slice() is a view, not a copy: decoding must not read from the pool's offset 0
    const pooled = Buffer.concat([Buffer.from('xyz'), Buffer.from(file)]).subarray(3);
    expect(Array.from(parseSafetensors(pooled).tensors.b.data)).toEqual([1.25, -3.5]);
    expect(Buffer.compare(pooled, Buffer.from(file))).toBe(0); // input left untouched
  });

  it('reads integer dtypes as floats', () => {
    const data = new Uint8Array(8 + 16 + 1);
    const dv = new DataView(data.buffer);
    dv.setInt32(0, -7, true);
    dv.setInt32(4, 123456, true);
    dv.setBigInt64(8, -5n, true);
    dv.setBigInt64(16, 2n ** 40n, true);
    data[24] = 1;
    const file = build(
      {
        i32: { dtype: 'I32', shape: [2], data_offsets: [0, 8] },
        i64: { dtype: 'I64', shape: [2], data_offsets: [8, 24] },
        flag: { dtype: 'BOOL', shape: [1], data_offsets: [24, 25] },
      },
      data,
    );
    const { tensors } = parseSafetensors(file, { dtype: 'float64' });
    expect(Array.from(tensors.i32.data)).toEqual([-7, 123456]);
    expect(Array.from(tensors.i64.data)).toEqual([-5, 2 ** 40]);
    expect(Array.from(tensors.flag.data)).toEqual([1]);
  });

  it('accepts space padding after the JSON and a null or absent __metadata__', () => {
    const withPad = build(JSON.stringify(f32()) + '      ', new Uint8Array(8));
    expect(parseSafetensors(withPad).tensors.w.shape).toEqual([2]);
    const nullMeta = build({ __metadata__: null, ...f32() }, new Uint8Array(8));
    expect(parseSafetensors(nullMeta).metadata).toEqual({});
    expect(parseSafetensors(build({})).tensors).toEqual({});
  });
});

describe('16-bit floats', () => {
  it('decodes F16 bit patterns, including subnormals, infinities and NaN', () => {
    const cases: [number, number][] = [
      [0x0000, 0],
      [0x3c00, 1],
      [0xc000, -2],
      [0x3555, 0.333251953125],
      [0x7bff, 65504],
      [0x0400, 2 ** -14], // smallest normal
      [0x0001, 2 ** -24], // smallest subnormal
      [0x03ff, 1023 * 2 ** -24], // largest subnormal
      [0x8001, -(2 ** -24)],
      [0x7c00, Infinity],
      [0xfc00, -Infinity],
    ];
    const bits = [...cases.map((c) => c[0]), 0x8000, 0x7e00, 0xfe01];
    const file = build({ h: { dtype: 'F16', shape: [bits.length], data_offsets: [0, bits.length * 2] } }, u16(bits));
    for (const dtype of ['float32', 'float64'] as const) {
      const d = parseSafetensors(file, { dtype }).tensors.h.data;
      expect(d).toBeInstanceOf(dtype === 'float32' ? Float32Array : Float64Array);
      cases.forEach(([, want], i) => expect(d[i]).toBe(want));
      expect(Object.is(d[cases.length], -0)).toBe(true);
      expect(d[cases.length + 1]).toBeNaN();
      expect(d[cases.length + 2]).toBeNaN();
    }
  });

  it('decodes BF16 bit patterns, including subnormals, infinities and NaN', () => {
    const cases: [number, number][] = [
      [0x3f80, 1],
      [0xc000, -2],
      [0x3eab, 0.333984375],
      [0x7f7f, 3.3895313892515355e38], // largest finite
      [0x0080, 2 ** -126], // smallest normal
      [0x0001, 2 ** -133], // smallest subnormal
      [0x807f, -127 * 2 ** -133], // largest negative subnormal
      [0x7f80, Infinity],
      [0xff80, -Infinity],
    ];
    const bits = [...cases.map((c) => c[0]), 0x8000, 0x7fc0, 0xffc1];
    const file = build({ b: { dtype: 'BF16', shape: [bits.length], data_offsets: [0, bits.length * 2] } }, u16(bits));
    for (const dtype of ['float32', 'float64'] as const) {
      const d = parseSafetensors(file, { dtype }).tensors.b.data;
      expect(d).toBeInstanceOf(dtype === 'float32' ? Float32Array : Float64Array);
      cases.forEach(([, want], i) => expect(d[i]).toBe(want));
      expect(Object.is(d[cases.length], -0)).toBe(true);
      expect(d[cases.length + 1]).toBeNaN();
      expect(d[cases.length + 2]).toBeNaN();
    }
  });
});

describe('hostile input is rejected with SafetensorsError', () => {
  it('file shorter than 8 bytes', () => {
    expectError(new Uint8Array(5), /expected at least 8 bytes.*received a file of 5 bytes/);
    expectError(new Uint8Array(0), /received a file of 0 bytes/);
  });

  it('header length beyond the file', () => {
    expectError(build(f32(), new Uint8Array(8), 1000n), /header length is 1000 bytes but only \d+ bytes follow/);
  });

  it('absurdly large header length', () => {
    expectError(build({}, 0, 2n ** 40n), /header length 1099511627776 bytes exceeds the 104857600-byte limit/);
    expectError(build({}, 0, 2n ** 64n - 1n), /exceeds the 104857600-byte limit/);
  });

  it('header that is not UTF-8', () => {
    const file = build('{}');
    file.set([0xff, 0xfe], 8);
    expectError(file, /header \(2 bytes\) is not valid UTF-8/);
  });

  it('header that is not JSON', () => {
    expectError(build('{"w": {"dtype": "F32",'), /header is not valid JSON.*it begins "\{\\"w\\"/);
    expectError(build(''), /header is not valid JSON/);
    expectError(build('\ufeff{}'), /header is not valid JSON/); // a byte-order mark is not allowed
  });

  it('header that is not an object', () => {
    expectError(build('[]'), /header must be a JSON object, received an Array of length 0/);
    expectError(build('null'), /header must be a JSON object, received null/);
    expectError(build('42'), /header must be a JSON object, received 42/);
    expectError(build('"w"'), /header must be a JSON object, received "w"/);
  });

  it('entry that is not an object', () => {
    expectError(build({ w: [1, 2] }), /header entry "w": expected an object \{ dtype, shape, data_offsets \}, received an Array/);
  });

  it('entry missing a field', () => {
    for (const field of ['dtype', 'shape', 'data_offsets']) {
      const entry: Record<string, unknown> = { dtype: 'F32', shape: [2], data_offsets: [0, 8] };
      delete entry[field];
      expectError(build({ w: entry }, new Uint8Array(8)), new RegExp(`header entry "w" is missing "${field}"`));
    }
  });

  it('unknown or unsupported dtype', () => {
    expectError(build(f32('w', 'F33'), new Uint8Array(8)), /header entry "w": unknown dtype "F33" \(expected one of F64, F32, F16, BF16/);
    expectError(build(f32('w', 'f32'), new Uint8Array(8)), /unknown dtype "f32"/);
    expectError(build(f32('w', 'U64'), new Uint8Array(8)), /dtype "U64" is not supported by this reader/);
    expectError(build(f32('w', 7), new Uint8Array(8)), /dtype must be a string such as "F32", received 7/);
  });

  it('shape that is not non-negative integers', () => {
    expectError(build(f32('w', 'F32', [-2], [0, 8]), new Uint8Array(8)), /shape must be an array of non-negative integers, received \[-2\]/);
    expectError(build(f32('w', 'F32', [1.5], [0, 8]), new Uint8Array(8)), /shape must be an array of non-negative integers, received \[1.5\]/);
    expectError(build(f32('w', 'F32', '2', [0, 8]), new Uint8Array(8)), /shape must be an array.*received "2"/);
    expectError(build(f32('w', 'F32', [1e300], [0, 8]), new Uint8Array(8)), /shape must be an array of non-negative integers/);
  });

  it('shape and byte count that disagree', () => {
    expectError(build(f32('w', 'F32', [3], [0, 8]), new Uint8Array(8)), /shape \[3\] of F32 needs 12 bytes but data_offsets \[0, 8\] span 8/);
    // a huge shape must not overflow into a false match
    expectError(build(f32('w', 'F32', [2 ** 40, 2 ** 40, 2 ** 40], [0, 8]), new Uint8Array(8)), /needs .* bytes but data_offsets \[0, 8\] span 8/);
  });

  it('offsets that are not integers', () => {
    for (const offsets of [[0, 7.5], ['0', 8], [0], [0, 4, 8], null, [-4, 4]]) {
      expectError(build(f32('w', 'F32', [2], offsets), new Uint8Array(8)), /data_offsets must be two non-negative integers \[begin, end\]/);
    }
  });

  it('offsets outside the buffer or reversed', () => {
    expectError(build(f32('w', 'F32', [2], [0, 8]), new Uint8Array(4)), /data_offsets \[0, 8\] reach past the end of the 4-byte data buffer/);
    expectError(build(f32('w', 'F32', [100], [2 ** 50, 2 ** 50 + 400]), new Uint8Array(8)), /reach past the end of the 8-byte data buffer/);
    expectError(build(f32('w', 'F32', [0], [8, 4]), new Uint8Array(8)), /data_offsets \[8, 4\] end before they begin/);
  });

  it('overlapping tensors', () => {
    const header = { a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } };
    expectError(build(header, new Uint8Array(12)), /tensors "a" \[0, 8\] and "b" \[4, 12\] overlap/);
    const same = { a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } };
    expectError(build(same, new Uint8Array(8)), /tensors "a" \[0, 8\] and "b" \[0, 8\] overlap/);
  });

  it('gaps and unused bytes in the data buffer', () => {
    const gap = { a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] }, b: { dtype: 'F32', shape: [1], data_offsets: [8, 12] } };
    expectError(build(gap, new Uint8Array(12)), /bytes \[4, 8\) of the data buffer belong to no tensor \(gap before "b"\)/);
    const leading = { b: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } };
    expectError(build(leading, new Uint8Array(8)), /bytes \[0, 4\) of the data buffer belong to no tensor/);
    expectError(build(f32(), new Uint8Array(11)), /the last 3 of 11 data bytes belong to no tensor/);
    expectError(build({}, new Uint8Array(1)), /the last 1 of 1 data bytes belong to no tensor/);
  });

  it('duplicate tensor names, fields and metadata keys', () => {
    const entry = '{"dtype":"F32","shape":[1],"data_offsets":[0,4]}';
    const entry2 = '{"dtype":"F32","shape":[1],"data_offsets":[4,8]}';
    expectError(build(`{"w":${entry},"w":${entry2}}`, new Uint8Array(8)), /duplicate tensor name "w"/);
    // escapes decode before comparing, as they do for JSON.parse
    expectError(build(`{"w":${entry}, "\\u0077" :${entry2}}`, new Uint8Array(8)), /duplicate tensor name "w"/);
    expectError(build(`{"w":{"dtype":"F32","dtype":"F64","shape":[1],"data_offsets":[0,4]}}`, new Uint8Array(4)), /duplicate field in header entry "w": "dtype"/);
    expectError(build(`{"__metadata__":{"k":"a","k":"b"}}`), /duplicate metadata key "k"/);
  });

  it('does not mistake quoted colons, braces and escaped quotes for structure', () => {
    const name = JSON.stringify('a":{"b'); // "a\":{\"b"
    const text = `{"__metadata__":{"x":"}{\\":","y":"[\\\\"},${name}:{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`;
    const { tensors, metadata } = parseSafetensors(build(text, new Uint8Array(4)));
    expect(Object.keys(tensors)).toEqual(['a":{"b']);
    expect(metadata).toEqual({ x: '}{":', y: '[\\' });
  });

  it('metadata that is not an object of strings', () => {
    expectError(build({ __metadata__: { epoch: 3 } }), /metadata value for "epoch" must be a string, received 3/);
    expectError(build({ __metadata__: { a: { b: 'c' } } }), /metadata value for "a" must be a string, received an object/);
    expectError(build({ __metadata__: ['x'] }), /"__metadata__" must be an object of strings, received an Array/);
    expectError(build({ __metadata__: 'x' }), /"__metadata__" must be an object of strings, received "x"/);
  });

  it('keeps "__proto__" as an ordinary name', () => {
    const { tensors, metadata } = parseSafetensors(build('{"__metadata__":{"__proto__":"m"},"__proto__":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}', new Uint8Array(4)));
    expect(Object.keys(tensors)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(tensors)).toBe(Object.prototype);
    expect(metadata.__proto__).toBe('m');
  });
});

describe('argument checks', () => {
  it('serialize rejects non-Tensor values with TypeError and reserved names with RangeError', () => {
    expect(() => serializeSafetensors({ w: [1, 2] as unknown as Tensor })).toThrow(TypeError);
    expect(() => serializeSafetensors({ w: { data: [1, 2], shape: [2] } as unknown as Tensor })).toThrow(/stateDict\["w"\]\.data: expected a Float32Array or Float64Array/);
    expect(() => serializeSafetensors({ w: { data: new Int32Array(2), shape: [2] } as unknown as Tensor })).toThrow(TypeError);
    expect(() => serializeSafetensors({ w: { data: new Float32Array(2), shape: [3] } })).toThrow(/stateDict\["w"\]: shape \[3\] needs 3 values, but data has 2/);
    expect(() => serializeSafetensors(null as unknown as Record<string, Tensor>)).toThrow(/stateDict: expected an object mapping names to Tensors, received null/);
    expect(() => serializeSafetensors({ __metadata__: tensor([1]) })).toThrow(RangeError);
    expect(() => serializeSafetensors({}, { epoch: 3 } as unknown as Record<string, string>)).toThrow(/metadata\["epoch"\]: expected a string, received 3/);
  });

  it('parse rejects a non-buffer and a bad dtype option', () => {
    expect(() => parseSafetensors('abc' as unknown as Uint8Array)).toThrow(TypeError);
    expect(() => parseSafetensors(build({}), { dtype: 'float16' as 'float32' })).toThrow(/options.dtype: expected one of "float32", "float64", received "float16"/);
  });
});

describe('files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fastrnn-safetensors-'));

  it('saves atomically and loads back (async and sync)', async () => {
    const sd = { w: tensor([[1, 2], [3, 4]]), b: tensor([0.5], undefined, 'float64') };
    const path = join(dir, 'model.safetensors');
    await saveSafetensors(path, sd, { epoch: '3' });
    const loaded = await loadSafetensorsWithMetadata(path, { dtype: 'float64' });
    expect(loaded.metadata).toEqual({ epoch: '3' });
    expect(Array.from(loaded.tensors.w.data)).toEqual([1, 2, 3, 4]);
    expect(Array.from((await loadSafetensors(readFileSync(path))).b.data)).toEqual([0.5]);

    const syncPath = join(dir, 'sync.safetensors');
    saveSafetensorsSync(syncPath, sd);
    expect(Buffer.compare(readFileSync(syncPath), serializeSafetensors(sd))).toBe(0);
    expect(loadSafetensorsSync(syncPath).w.shape).toEqual([2, 2]);
    expect(readdirSync(dir).sort()).toEqual(['model.safetensors', 'sync.safetensors']); // no temp files left
  });

  it('a failed save leaves the previous file intact and no temp file behind', async () => {
    const sub = join(dir, 'fail');
    mkdirSync(sub);
    const path = join(sub, 'model.safetensors');
    await saveSafetensors(path, { w: tensor([1]) });
    const before = readFileSync(path);
    await expect(saveSafetensors(path, { w: 'x' as unknown as Tensor })).rejects.toThrow(TypeError);
    expect(Buffer.compare(readFileSync(path), before)).toBe(0);

    const blocked = join(sub, 'is-a-directory');
    mkdirSync(blocked); // rename onto a directory fails after the temp file was written
    await expect(saveSafetensors(blocked, { w: tensor([1]) })).rejects.toThrow();
    expect(() => saveSafetensorsSync(blocked, { w: tensor([1]) })).toThrow();
    expect(readdirSync(sub).sort()).toEqual(['is-a-directory', 'model.safetensors']);
    await expect(saveSafetensors(join(dir, 'missing', 'x.safetensors'), { w: tensor([1]) })).rejects.toThrow(/ENOENT/);
  });

  it('names the file in load errors', async () => {
    const path = join(dir, 'bad.safetensors');
    writeFileSync(path, new Uint8Array(3));
    await expect(loadSafetensors(path)).rejects.toThrow(SafetensorsError);
    await expect(loadSafetensors(path)).rejects.toThrow(`${path}: safetensors: expected at least 8 bytes`);
    expect(() => loadSafetensorsSync(path)).toThrow(/bad\.safetensors: safetensors/);
  });
});

describe('files written by PyTorch', () => {
  const expected = JSON.parse(readFileSync(join(GOLDEN, 'pytorch_state_dicts.expected.json'), 'utf8')) as Record<
    string,
    Record<string, { shape: number[]; values: number[] }>
  >;

  it('loads a torch.nn.LSTM state_dict with its names, shapes and values', async () => {
    const { tensors, metadata } = await loadSafetensorsWithMetadata(join(GOLDEN, 'pytorch_rnn_state_dict.safetensors'));
    expect(metadata).toEqual({ format: 'pt' });
    const want = expected.pytorch_rnn_state_dict;
    expect(Object.keys(tensors).sort()).toEqual(Object.keys(want).sort());
    expect(Object.keys(tensors)).toContain('weight_hh_l1_reverse');
    expect(tensors.weight_ih_l0.shape).toEqual([16, 3]);
    expect(tensors.weight_ih_l1.shape).toEqual([16, 8]);
    for (const [name, { shape, values }] of Object.entries(want)) {
      expect(tensors[name].shape).toEqual(shape);
      expect(Array.from(tensors[name].data)).toEqual(values);
    }
  });

  it('decodes F16, BF16 and F64 tensors (at unaligned offsets) exactly as torch converts them', () => {
    const want = expected.pytorch_mixed_dtypes;
    const tensors = loadSafetensorsSync(join(GOLDEN, 'pytorch_mixed_dtypes.safetensors'), { dtype: 'float64' });
    for (const [name, { shape, values }] of Object.entries(want)) {
      expect(tensors[name].shape).toEqual(shape);
      expect(Array.from(tensors[name].data)).toEqual(values);
    }
  });
});
