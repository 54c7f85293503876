#include "napi_args.h"

#include <cmath>

namespace adj {

namespace {
std::string i128(__int128 v) {
  if (v == 0) return "0";
  const bool neg = v < 0;
  std::string s;
  unsigned __int128 u = neg ? -(unsigned __int128)v : (unsigned __int128)v;
  while (u) {
    s.insert(s.begin(), char('0' + (int)(u % 10)));
    u /= 10;
  }
  return neg ? "-" + s : s;
}

std::string num(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  if (v == std::floor(v) && std::fabs(v) < 1e21) return i128((__int128)v);
  char buf[32];
  snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

const char* kind_names(unsigned kinds) {
  switch (kinds) {
    case kF32: return "a Float32Array";
    case kF64: return "a Float64Array";
    case kF32 | kF64: return "a Float32Array or Float64Array";
    case kI32: return "an Int32Array";
    default: return "a typed array";
  }
}
}  // namespace

Span span_of(int64_t offset, std::initializer_list<Dim> dims) {
  Span s;
  __int128 lo = offset, hi = offset;
  for (const Dim& d : dims) {
    if (d.extent <= 0) return s;  // empty
    const __int128 reach = (__int128)(d.extent - 1) * d.stride;
    if (reach < 0) lo += reach; else hi += reach;
  }
  s.empty = false;
  s.lo = lo;
  s.hi = hi;
  return s;
}

Args::Args(napi_env env, napi_callback_info info, const char* fn, size_t min_count, size_t max_count)
    : env_(env), fn_(fn), argc_(max_count < 24 ? max_count : 24) {
  // only the slots a valid call uses are filled; argc_ comes back as the count given
  if (napi_get_cb_info(env, info, &argc_, argv_, nullptr, nullptr) != napi_ok) type_error("cannot read the arguments");
  if (argc_ < min_count || argc_ > max_count) {
    type_error("expected " + (min_count == max_count ? std::to_string(min_count)
                                                     : std::to_string(min_count) + " to " + std::to_string(max_count)) +
               " arguments, got " + std::to_string(argc_));
  }
  if (argc_ > 24) argc_ = 24;
}

void Args::type_error(const std::string& msg) const { throw ArgError{false, std::string(fn_) + ": " + msg}; }
void Args::range_error(const std::string& msg) const { throw ArgError{true, std::string(fn_) + ": " + msg}; }

std::string Args::describe(napi_value v) const {
  napi_valuetype t;
  if (napi_typeof(env_, v, &t) != napi_ok) return "an unknown value";
  switch (t) {
    case napi_undefined: return "undefined";
    case napi_null: return "null";
    case napi_boolean: return "a boolean";
    case napi_number: {
      double d = 0;
      napi_get_value_double(env_, v, &d);
      return "the number " + num(d);
    }
    case napi_string: return "a string";
    case napi_symbol: return "a symbol";
    case napi_function: return "a function";
    case napi_bigint: return "a bigint";
    case napi_external: return "an external";
    case napi_object: {
      bool b = false;
      if (napi_is_typedarray(env_, v, &b) == napi_ok && b) {
        napi_typedarray_type tt;
        size_t len;
        napi_get_typedarray_info(env_, v, &tt, &len, nullptr, nullptr, nullptr);
        static const char* names[] = {"Int8Array",   "Uint8Array",   "Uint8ClampedArray", "Int16Array",
                                      "Uint16Array", "Int32Array",   "Uint32Array",       "Float32Array",
                                      "Float64Array", "BigInt64Array", "BigUint64Array"};
        return (tt >= 0 && tt <= 10) ? std::string(names[tt]) : std::string("a typed array");
      }
      if (napi_is_array(env_, v, &b) == napi_ok && b) return "an Array";
      if (napi_is_arraybuffer(env_, v, &b) == napi_ok && b) return "an ArrayBuffer";
      if (napi_is_dataview(env_, v, &b) == napi_ok && b) return "a DataView";
      return "an object";
    }
  }
  return "an unknown value";
}

ArrayView Args::array(size_t i, const char* name, unsigned kinds) const {
  napi_typedarray_type tt;
  ArrayView v;
  // Fails (napi_invalid_arg) for anything that is not a TypedArray.
  if (napi_get_typedarray_info(env_, argv_[i], &tt, &v.length, &v.data, nullptr, nullptr) != napi_ok)
    type_error(std::string(name) + " must be " + kind_names(kinds) + ", got " + describe(argv_[i]));
  if (tt == napi_float32_array && (kinds & kF32)) {
    v.kind = kF32, v.elem_size = 4, v.type_name = "Float32Array";
  } else if (tt == napi_float64_array && (kinds & kF64)) {
    v.kind = kF64, v.elem_size = 8, v.type_name = "Float64Array";
  } else if (tt == napi_int32_array && (kinds & kI32)) {
    v.kind = kI32, v.elem_size = 4, v.type_name = "Int32Array";
  } else {
    type_error(std::string(name) + " must be " + kind_names(kinds) + ", got " + describe(argv_[i]));
  }
  if (!v.data) v.length = 0;  // detached buffer
  v.name = name;
  return v;
}

bool Args::is_nullish(size_t i) const {
  if (i >= argc_) return true;
  napi_valuetype t;
  return napi_typeof(env_, argv_[i], &t) == napi_ok && (t == napi_undefined || t == napi_null);
}

double Args::number(size_t i, const char* name) const {
  double d = 0;
  if (napi_get_value_double(env_, argv_[i], &d) != napi_ok)
    type_error(std::string(name) + " must be a number, got " + describe(argv_[i]));
  return d;
}

int64_t Args::integer(size_t i, const char* name, int64_t lo, int64_t hi) const {
  const double d = number(i, name);
  if (!(d >= (double)lo && d <= (double)hi) || (double)(int64_t)d != d)
    range_error(std::string(name) + " must be an integer in [" + i128(lo) + ", " + i128(hi) + "], got " + num(d));
  return (int64_t)d;
}

std::string Args::string(size_t i, const char* name) const {
  napi_valuetype t;
  if (napi_typeof(env_, argv_[i], &t) != napi_ok || t != napi_string)
    type_error(std::string(name) + " must be a string, got " + describe(argv_[i]));
  char buf[64];
  size_t len = 0;
  napi_get_value_string_utf8(env_, argv_[i], buf, sizeof buf, &len);
  return std::string(buf, len);
}

void Args::span_error(const ArrayView& a, const Span& s, const std::string& what) const {
  const __int128 bad = s.lo < 0 ? s.lo : s.hi;
  range_error(std::string(a.name) + " (" + a.type_name + " of length " + std::to_string(a.length) +
              ") is too short for " + what + ": that reaches index " + i128(bad));
}

void Args::check_no_overlap(const ArrayView& out, const Span& so, const ArrayView& in, const Span& si,
                            bool allow_exact) const {
  if (so.empty || si.empty) return;
  const __int128 o0 = (__int128)(uintptr_t)out.data + so.lo * (__int128)out.elem_size;
  const __int128 o1 = (__int128)(uintptr_t)out.data + (so.hi + 1) * (__int128)out.elem_size;
  const __int128 i0 = (__int128)(uintptr_t)in.data + si.lo * (__int128)in.elem_size;
  const __int128 i1 = (__int128)(uintptr_t)in.data + (si.hi + 1) * (__int128)in.elem_size;
  if (o0 >= i1 || i0 >= o1) return;
  if (allow_exact && o0 == i0 && o1 == i1 && out.elem_size == in.elem_size) return;
  range_error(std::string("output ") + out.name + " overlaps input " + in.name +
              " in memory" + (allow_exact ? " (only exactly the same elements, i.e. in place, are allowed)" : "") +
              "; pass a separate output array");
}

void Args::check_same_type(const ArrayView& a, const ArrayView& b) const {
  if (a.kind != b.kind)
    type_error(std::string(b.name) + " must be a " + a.type_name + " like " + a.name + ", got " + b.type_name);
}

}  // namespace adj
