// Argument checks for the N-API seam: every value a caller passes is checked here, and every failure
// becomes a JS TypeError (wrong kind of value) or RangeError (right kind, wrong size/value).
#pragma once

#include <napi.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

namespace fastrnn {

// A validated Float32Array: its data pointer, length, and the JS object (to pin it for async calls).
struct F32 {
  float* data = nullptr;
  std::size_t length = 0;
  Napi::Value value;
  std::string name;
  bool output = false;
};

class ArgReader {
 public:
  ArgReader(Napi::Env env, std::string where) : env_(env), where_(std::move(where)) {}

  [[noreturn]] void type_error(const std::string& msg) const {
    throw Napi::TypeError::New(env_, where_ + ": " + msg);
  }
  [[noreturn]] void range_error(const std::string& msg) const {
    throw Napi::RangeError::New(env_, where_ + ": " + msg);
  }

  static std::string describe(const Napi::Value& v) {
    if (v.IsNull()) return "null";
    if (v.IsUndefined()) return "undefined";
    if (v.IsNumber()) {
      double d = v.As<Napi::Number>().DoubleValue();
      if (std::isnan(d)) return "NaN";
      return Napi::Value(v).ToString().Utf8Value();
    }
    if (v.IsString()) return "a string";
    if (v.IsBoolean()) return "a boolean";
    if (v.IsTypedArray()) {
      Napi::TypedArray t = v.As<Napi::TypedArray>();
      return std::string("a ") + typed_name(t.TypedArrayType()) + " of length " + std::to_string(t.ElementLength());
    }
    if (v.IsArray()) return "an Array";
    if (v.IsFunction()) return "a function";
    if (v.IsObject()) return "an object";
    return "a " + std::string(v.IsSymbol() ? "symbol" : v.IsBigInt() ? "bigint" : "value");
  }

  static const char* typed_name(napi_typedarray_type t) {
    switch (t) {
      case napi_int8_array: return "Int8Array";
      case napi_uint8_array: return "Uint8Array";
      case napi_uint8_clamped_array: return "Uint8ClampedArray";
      case napi_int16_array: return "Int16Array";
      case napi_uint16_array: return "Uint16Array";
      case napi_int32_array: return "Int32Array";
      case napi_uint32_array: return "Uint32Array";
      case napi_float32_array: return "Float32Array";
      case napi_float64_array: return "Float64Array";
      case napi_bigint64_array: return "BigInt64Array";
      case napi_biguint64_array: return "BigUint64Array";
      default: return "TypedArray";
    }
  }

  Napi::Object object(const Napi::Value& v, const char* name) const {
    if (!v.IsObject() || v.IsArray() || v.IsFunction() || v.IsTypedArray()) {
      type_error(std::string(name) + ": expected an arguments object, received " + describe(v));
    }
    return v.As<Napi::Object>();
  }

  // A whole number in [min, max] (max ≤ 2^53 − 1).
  std::int64_t integer(const Napi::Value& v, const std::string& name, std::int64_t min, std::int64_t max) const {
    if (!v.IsNumber()) type_error(name + ": expected an integer, received " + describe(v));
    const double d = v.As<Napi::Number>().DoubleValue();
    if (!std::isfinite(d) || std::floor(d) != d || d < static_cast<double>(min) || d > static_cast<double>(max)) {
      range_error(name + ": expected an integer in [" + std::to_string(min) + ", " + std::to_string(max) +
                  "], received " + describe(v));
    }
    return static_cast<std::int64_t>(d);
  }

  bool boolean(const Napi::Value& v, const std::string& name) const {
    if (!v.IsBoolean()) type_error(name + ": expected a boolean, received " + describe(v));
    return v.As<Napi::Boolean>().Value();
  }

  // A Float32Array of exactly `length` elements; null/undefined allowed (→ absent) when `nullable`.
  F32 f32(const Napi::Value& v, const std::string& name, std::uint64_t length, bool nullable, bool output) const {
    F32 out;
    out.name = name;
    out.output = output;
    if (v.IsNull() || v.IsUndefined()) {
      if (nullable) return out;
      type_error(name + ": expected a Float32Array of length " + std::to_string(length) + ", received " + describe(v));
    }
    if (!v.IsTypedArray()) {
      type_error(name + ": expected a Float32Array" + (nullable ? " or null" : "") + ", received " + describe(v));
    }
    Napi::TypedArray t = v.As<Napi::TypedArray>();
    if (t.TypedArrayType() != napi_float32_array) {
      std::string hint = t.TypedArrayType() == napi_float64_array
                             ? " (the native engine is float32-only; run float64 on the reference backend)"
                             : "";
      type_error(name + ": expected a Float32Array, received " + describe(v) + hint);
    }
    Napi::ArrayBuffer buf = t.ArrayBuffer();
    if (buf.IsDetached()) {
      type_error(name + ": the Float32Array's ArrayBuffer is detached (transferred); pass a live array");
    }
    // A resizable buffer could shrink under a running async call (rejected for sync calls too, so both
    // entry points accept the same arrays).
    {
      Napi::Value resizable = buf.Get("resizable");
      if (resizable.IsBoolean() && resizable.As<Napi::Boolean>().Value()) {
        type_error(name + ": Float32Arrays over resizable ArrayBuffers are not supported; pass a fixed-length array");
      }
    }
    const std::size_t len = t.ElementLength();
    if (static_cast<std::uint64_t>(len) != length) {
      range_error(name + ": expected a Float32Array of length " + std::to_string(length) + ", received one of length " +
                  std::to_string(len));
    }
    out.data = len ? v.As<Napi::Float32Array>().Data() : nullptr;
    out.length = len;
    out.value = v;
    return out;
  }

  // Per-sequence lengths: null/undefined (→ empty: every sequence has T steps), or an Int32Array of B
  // integers in [1, T], copied out (so nothing can change them while an async call runs).
  std::vector<std::int32_t> lengths(const Napi::Value& v, std::int64_t B, std::int64_t T) const {
    std::vector<std::int32_t> out;
    if (v.IsNull() || v.IsUndefined()) return out;
    if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_int32_array) {
      type_error("lengths: expected an Int32Array of " + std::to_string(B) + " lengths or null, received " + describe(v));
    }
    if (v.As<Napi::TypedArray>().ArrayBuffer().IsDetached()) {
      type_error("lengths: the Int32Array's ArrayBuffer is detached (transferred); pass a live array");
    }
    Napi::Int32Array a = v.As<Napi::Int32Array>();
    if (static_cast<std::int64_t>(a.ElementLength()) != B) {
      range_error("lengths: expected an Int32Array of length " + std::to_string(B) + " (one per sequence), received one of length " +
                  std::to_string(a.ElementLength()));
    }
    out.resize(static_cast<std::size_t>(B));
    for (std::int64_t b = 0; b < B; b++) {
      const std::int32_t len = a[static_cast<std::size_t>(b)];
      if (len < 1 || len > T) {
        range_error("lengths[" + std::to_string(b) + "]: expected an integer in [1, " + std::to_string(T) + "] (T), received " +
                    std::to_string(len));
      }
      out[static_cast<std::size_t>(b)] = len;
    }
    return out;
  }

  // Outputs may not overlap any other array (results would be garbage).
  void check_no_overlap(const std::vector<const F32*>& arrays) const {
    for (const F32* o : arrays) {
      if (!o->output || !o->data) continue;
      const auto* a0 = reinterpret_cast<const std::uint8_t*>(o->data);
      const auto* a1 = a0 + o->length * sizeof(float);
      for (const F32* other : arrays) {
        if (other == o || !other->data) continue;
        const auto* b0 = reinterpret_cast<const std::uint8_t*>(other->data);
        const auto* b1 = b0 + other->length * sizeof(float);
        if (a0 < b1 && b0 < a1) {
          range_error(o->name + " and " + other->name + " share memory; outputs must not overlap other arrays");
        }
      }
    }
  }

 private:
  Napi::Env env_;
  std::string where_;
};

// a·b·… with overflow → false.
inline bool mul_ok(std::uint64_t a, std::uint64_t b, std::uint64_t* out) {
  return !__builtin_mul_overflow(a, b, out) && *out <= (std::uint64_t{1} << 53);
}

}  // namespace fastrnn
