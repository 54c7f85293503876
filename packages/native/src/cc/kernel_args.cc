#include "kernel_args.h"

#include <cmath>

#include "binding.h"

namespace adj {

const char* kind_name(Kind k) {
  switch (k) {
    case Kind::Floats: return "floats";
    case Kind::FloatsOpt: return "floats?";
    case Kind::Array: return "array";
    case Kind::I32: return "i32";
    case Kind::U8: return "u8";
    case Kind::F64: return "f64";
    case Kind::FloatList: return "floatList";
    case Kind::FloatListOpt: return "floatList?";
    case Kind::Dims: return "dims";
    case Kind::Int: return "int";
    case Kind::Number: return "number";
    case Kind::Bool: return "bool";
    case Kind::UnaryOp: return "unaryOp";
    case Kind::BinaryOp: return "binaryOp";
    case Kind::ReduceOp: return "reduceOp";
    case Kind::Layout: return "layout";
    case Kind::LayoutOpt: return "layout?";
  }
  return "?";
}

namespace {
bool optional(Kind k) {
  return k == Kind::FloatsOpt || k == Kind::FloatListOpt || k == Kind::LayoutOpt;
}
bool is_float_kind(Kind k) {
  return k == Kind::Floats || k == Kind::FloatsOpt || k == Kind::FloatList || k == Kind::FloatListOpt;
}
const char* type_name_of(ArrayKind k) { return k == kF32 ? "Float32Array" : "Float64Array"; }
}  // namespace

void KernelArgs::same_float(ArrayKind k, const char* name, const char* suffix) {
  if (float_kind_ == 0) {
    float_kind_ = k;
    float_first_ = name;
    float_type_ = type_name_of(k);
  } else if (k != float_kind_) {
    type_error(std::string(name) + suffix + " must be a " + float_type_ + " like " + float_first_ + ", got " + type_name_of(k));
  }
}

void KernelArgs::read_dims(napi_value v, const std::string& what, DimsView& out) const {
  bool is_array = false;
  uint32_t n = 0;
  if (napi_is_array(env(), v, &is_array) != napi_ok || !is_array) type_error(what + " must be an Array of integers");
  napi_get_array_length(env(), v, &n);
  if (n > kMaxDims) range_error(what + " has " + std::to_string(n) + " dims, at most " + std::to_string(kMaxDims) + " are supported");
  out.n = n;
  for (uint32_t k = 0; k < n; ++k) {
    napi_value e;
    double d = 0;
    napi_get_element(env(), v, k, &e);
    if (napi_get_value_double(env(), e, &d) != napi_ok || d != std::floor(d) || !(std::fabs(d) <= (double)kMaxJsInteger))
      type_error(what + "[" + std::to_string(k) + "] must be an integer");
    out.v[k] = (int64_t)d;
  }
}

void KernelArgs::parse_list(size_t i, const ArgDef& d) {
  if (lists_.empty()) lists_.resize(n_);
  napi_env e = env();
  bool is_array = false;
  if (napi_is_array(e, at(i), &is_array) != napi_ok || !is_array)
    type_error(std::string(d.name) + " must be an Array of Float32Array or Float64Array");
  uint32_t n = 0;
  napi_get_array_length(e, at(i), &n);
  std::vector<ListEntry>& out = lists_[i];
  out.resize(n);
  for (uint32_t k = 0; k < n; ++k) {
    napi_value v;
    napi_get_element(e, at(i), k, &v);
    napi_typedarray_type tt;
    ListEntry& en = out[k];
    const std::string what = std::string(d.name) + "[" + std::to_string(k) + "]";
    if (napi_get_typedarray_info(e, v, &tt, &en.length, &en.data, nullptr, nullptr) != napi_ok ||
        (tt != napi_float32_array && tt != napi_float64_array))
      type_error(what + " must be a Float32Array or Float64Array");
    en.kind = tt == napi_float32_array ? kF32 : kF64;
    if (!en.data) en.length = 0;
    if (k > 0 && en.kind != out[0].kind) type_error(what + " has another element type than " + d.name + "[0]");
  }
  if (n > 0) same_float(out[0].kind, d.name, "[0]");
}

Span LayoutView::span() const {
  Span s;
  __int128 lo = offset, hi = offset;
  for (size_t d = 0; d < ndim; ++d) {
    if (shape[d] <= 0) return s;  // empty
    const __int128 reach = (__int128)(shape[d] - 1) * strides[d];
    if (reach < 0) lo += reach; else hi += reach;
  }
  s.empty = false;
  s.lo = lo;
  s.hi = hi;
  return s;
}

namespace {
std::string list(const int64_t* v, size_t n) {
  std::string s = "[";
  for (size_t d = 0; d < n; ++d) s += (d ? ", " : "") + std::to_string(v[d]);
  return s + "]";
}
}  // namespace

std::string LayoutView::shape_string() const { return list(shape, ndim); }

std::string LayoutView::describe() const {
  return "shape " + list(shape, ndim) + ", strides " + list(strides, ndim) + ", offset " + std::to_string(offset);
}

namespace {
// x is an integer in [lo, hi] (hi <= 2^53: the cast back is exact there).
bool exact_in(double x, double lo, double hi) { return x >= lo && x <= hi && (double)(int64_t)x == x; }
}  // namespace

// Called on every call of a binding with layouts: no string is built unless a check fails.
void KernelArgs::parse_layout(size_t i, const ArgDef& d) {
  if (n_layouts_ == kMaxLayoutArgs) range_error("more than " + std::to_string(kMaxLayoutArgs) + " layout arguments");
  size_t bytes = 0;
  void* data = nullptr;
  if (napi_get_arraybuffer_info(env(), at(i), &data, &bytes) != napi_ok)
    type_error(std::string(d.name) + " must be a packed layout (an ArrayBuffer of float64 [ndim, offset, ...shape, ...strides]: packLayout() of @adjoint/native), got " + describe(at(i)));
  size_t len = bytes / sizeof(double);
  const double* v = static_cast<const double*>(data);
  if (!v) len = 0;
  const double big = (double)kMaxJsInteger;
  if (len < 2 || !exact_in(v[0], 0, (double)kMaxDims))
    range_error(std::string(d.name) + ": a packed layout starts with its ndim, an integer in [0, " + std::to_string(kMaxDims) + "]");
  LayoutView& l = layouts_[n_layouts_];
  const size_t nd = (size_t)v[0];
  l.ndim = nd;
  if (len < 2 + 2 * nd)
    range_error(std::string(d.name) + ": a packed layout of " + std::to_string(nd) + " dims needs " + std::to_string(2 + 2 * nd) + " numbers, got " + std::to_string(len));
  if (!exact_in(v[1], 0, big)) range_error(std::string(d.name) + ".offset must be an integer in [0, 2^53)");
  l.offset = (int64_t)v[1];
  for (size_t k = 0; k < nd; ++k) {
    const double s = v[2 + k], st = v[2 + nd + k];
    if (!exact_in(s, 0, big)) range_error(std::string(d.name) + ".shape[" + std::to_string(k) + "] must be an integer in [0, 2^53)");
    if (!exact_in(st, -big, big)) range_error(std::string(d.name) + ".strides[" + std::to_string(k) + "] must be an integer of at most 2^53 in size");
    l.shape[k] = (int64_t)s;
    l.strides[k] = (int64_t)st;
  }
  ints_[i] = (int64_t)n_layouts_++;
}

void KernelArgs::parse() {
  for (size_t i = 0; i < n_; ++i) {
    const ArgDef& d = defs_[i];
    present_[i] = !(optional(d.kind) && is_nullish(i));
    if (!present_[i]) {
      arrays_[i].v = ArrayView{};  // an absent array reads as data == nullptr
      continue;
    }
    switch (d.kind) {
      case Kind::Floats:
      case Kind::FloatsOpt:
      case Kind::Array:
      case Kind::I32:
      case Kind::U8:
      case Kind::F64:
        arrays_[i].v = Args::array(i, d.name, d.dtypes);
        if (is_float_kind(d.kind)) same_float(arrays_[i].v.kind, d.name, "");
        break;
      case Kind::FloatList:
      case Kind::FloatListOpt:
        parse_list(i, d);
        break;
      case Kind::Dims:
        if (dims_.empty()) dims_.resize(n_);
        read_dims(at(i), d.name, dims_[i]);
        break;
      case Kind::Int:
        ints_[i] = Args::integer(i, d.name, d.lo, d.hi);
        break;
      case Kind::Number:
        nums_[i] = Args::number(i, d.name);
        break;
      case Kind::Bool:
        ints_[i] = get_bool(*this, i, d.name) ? 1 : 0;
        break;
      case Kind::UnaryOp:
      case Kind::BinaryOp:
      case Kind::ReduceOp:
        if (strs_.empty()) strs_.resize(n_);
        strs_[i] = Args::string(i, d.name);
        break;
      case Kind::Layout:
      case Kind::LayoutOpt:
        parse_layout(i, d);
        break;
    }
  }
}

namespace {
struct KernelEntry {
  const char* name;
  const ArgDef* args;
  size_t count;
};
std::vector<KernelEntry>& kernel_registry() {
  static std::vector<KernelEntry> r;
  return r;
}

// kernelSpecs(): {name: [{name, kind, dtypes}...]} for every ADJ_KERNEL binding.
napi_value KernelSpecs(napi_env env, napi_callback_info) {
  napi_value out;
  napi_create_object(env, &out);
  for (const KernelEntry& k : kernel_registry()) {
    napi_value list;
    napi_create_array_with_length(env, k.count, &list);
    for (size_t i = 0; i < k.count; ++i) {
      const ArgDef& d = k.args[i];
      napi_value a, dtypes;
      napi_create_object(env, &a);
      napi_set_named_property(env, a, "name", make_string(env, d.name));
      napi_set_named_property(env, a, "kind", make_string(env, kind_name(d.kind)));
      napi_create_array(env, &dtypes);
      uint32_t n = 0;
      if (d.dtypes & kF32) napi_set_element(env, dtypes, n++, make_string(env, "float32"));
      if (d.dtypes & kF64) napi_set_element(env, dtypes, n++, make_string(env, "float64"));
      if (d.dtypes & kI32) napi_set_element(env, dtypes, n++, make_string(env, "int32"));
      napi_set_named_property(env, a, "dtypes", dtypes);
      napi_set_element(env, list, (uint32_t)i, a);
    }
    napi_set_named_property(env, out, k.name, list);
  }
  return out;
}
ADJ_EXPORT("kernelSpecs", KernelSpecs);
}  // namespace

bool register_kernel(const char* name, napi_callback fn, const ArgDef* args, size_t count) {
  kernel_registry().push_back({name, args, count});
  return register_binding(name, fn);
}

}  // namespace adj
