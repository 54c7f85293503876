// The table-driven argument parser of the kernel bindings. A binding declares
// its arguments once, as a constexpr list of kinds whose names and kind strings
// are those of core's kernel table (packages/core/src/backend/signatures.ts),
// a struct argument there flattened to its fields here:
//
//   constexpr auto kSoftmax = kernel_def("softmax", floats("x"), floats("out"), dim("rows"), dim("cols"));
//   napi_value Softmax(napi_env env, napi_callback_info info) {
//     return guard(env, [&] { KernelArgs P(env, info, kSoftmax); ... P.array(0), P.integer(2) ...; });
//   }
//   ADJ_KERNEL(kSoftmax, Softmax);
//
// KernelArgs checks the count, each argument's type and range, and that every
// float array (lists included) has the call's one float type; what is left to
// the binding is what relates arguments (lengths, overlaps). The addon exports
// every declared list (kernelSpecs()) and native/test/specs.test.ts compares it
// with core's table.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "napi_args.h"

namespace adj {

// The kinds of core's table (ArgKinds) that bindings take so far, one string each
// (kind_name()).
enum class Kind : uint8_t {
  Floats, FloatsOpt, Array, I32, U8, F64, FloatList, FloatListOpt, Dims,
  Int, Number, Bool, UnaryOp, BinaryOp, ReduceOp, Layout, LayoutOpt,
};
const char* kind_name(Kind k);

struct ArgDef {
  const char* name;
  Kind kind;
  unsigned dtypes;  // array kinds: the element types accepted (kF32 | kF64 ...)
  int64_t lo, hi;   // Int: the accepted range
};

constexpr int64_t kMaxJsInteger = (int64_t(1) << 53) - 1;
constexpr ArgDef floats(const char* n) { return {n, Kind::Floats, kF32 | kF64, 0, 0}; }
constexpr ArgDef floats_opt(const char* n) { return {n, Kind::FloatsOpt, kF32 | kF64, 0, 0}; }
// A float array this binding handles in float32 only (the TS glue keeps float64 in TS).
constexpr ArgDef f32(const char* n) { return {n, Kind::Floats, kF32, 0, 0}; }
constexpr ArgDef f32_opt(const char* n) { return {n, Kind::FloatsOpt, kF32, 0, 0}; }
// An `array` argument (any dtype in core's table) this binding takes as float32 only.
constexpr ArgDef f32_array(const char* n) { return {n, Kind::Array, kF32, 0, 0}; }
constexpr ArgDef f64(const char* n) { return {n, Kind::F64, kF64, 0, 0}; }
constexpr ArgDef i32(const char* n) { return {n, Kind::I32, kI32, 0, 0}; }
constexpr ArgDef float_list(const char* n) { return {n, Kind::FloatList, kF32 | kF64, 0, 0}; }
constexpr ArgDef float_list_opt(const char* n) { return {n, Kind::FloatListOpt, kF32 | kF64, 0, 0}; }
constexpr ArgDef integer(const char* n, int64_t lo, int64_t hi) { return {n, Kind::Int, 0, lo, hi}; }
// A size (rows, cols, batch...): [0, INT32_MAX].
constexpr ArgDef dim(const char* n) { return integer(n, 0, INT32_MAX); }
// An element index or count: [0, 2^53).
constexpr ArgDef index(const char* n) { return integer(n, 0, kMaxJsInteger); }
// A stride: any exact JS integer.
constexpr ArgDef stride(const char* n) { return integer(n, -kMaxJsInteger, kMaxJsInteger); }
constexpr ArgDef number(const char* n) { return {n, Kind::Number, 0, 0, 0}; }
constexpr ArgDef boolean(const char* n) { return {n, Kind::Bool, 0, 0, 0}; }
constexpr ArgDef binary_op(const char* n) { return {n, Kind::BinaryOp, 0, 0, 0}; }

// Core's Layout (shape, strides, offset of an array's elements). It crosses packed:
// an ArrayBuffer of float64 [ndim, offset, ...shape, ...strides] (native/src/layout-pack.ts;
// the generated forwarders pack core's Layout objects into reusable scratch
// buffers). One napi_get_arraybuffer_info instead of a property read per field
// (~0.1 µs each), and cheaper than a typed array's read (whose element-type
// check alone is a chain of ~10 V8 calls).
constexpr ArgDef layout(const char* n) { return {n, Kind::Layout, 0, 0, 0}; }
constexpr ArgDef layout_opt(const char* n) { return {n, Kind::LayoutOpt, 0, 0, 0}; }

constexpr size_t kMaxKernelArgs = 24;
constexpr size_t kMaxDims = 8;
// Layout arguments of one kernel, at most.
constexpr size_t kMaxLayoutArgs = 10;

template <size_t N>
struct KernelDef {
  const char* name;
  ArgDef args[N];
};
template <class... A>
constexpr KernelDef<sizeof...(A)> kernel_def(const char* name, A... args) {
  static_assert(sizeof...(A) <= kMaxKernelArgs, "too many kernel arguments");
  return {name, {args...}};
}

// One array of a list argument.
struct ListEntry {
  void* data;
  size_t length;
  ArrayKind kind;
};
struct DimsView {
  int64_t v[kMaxDims];
  size_t n = 0;
};
// A parsed layout: element (i0, i1, ...) at offset + i0 * strides[0] + i1 * strides[1] + ...
// (offset in [0, 2^53), sizes in [0, 2^53), strides any exact JS integer).
struct LayoutView {
  int64_t offset;
  size_t ndim;
  int64_t shape[kMaxDims];
  int64_t strides[kMaxDims];
  // The element indices it reaches (empty when a size is 0).
  Span span() const;
  // "shape [2, 3], strides [3, 1], offset 0", for messages.
  std::string describe() const;
  // "[2, 3]": the shape alone.
  std::string shape_string() const;
};

class KernelArgs : public Args {
 public:
  template <size_t N>
  KernelArgs(napi_env env, napi_callback_info info, const KernelDef<N>& def)
      : Args(env, info, def.name, N, N), defs_(def.args), n_(N) {
    parse();
  }
  // Array kinds (an absent `?` array: data == nullptr, present(i) false).
  const ArrayView& array(size_t i) const { return arrays_[i].v; }
  bool present(size_t i) const { return present_[i]; }
  int64_t integer(size_t i) const { return ints_[i]; }
  double number(size_t i) const { return nums_[i]; }
  bool flag(size_t i) const { return ints_[i] != 0; }
  // The kinds below are rare: their values live in vectors sized on first use.
  const std::string& str(size_t i) const { return strs_[i]; }
  const std::vector<ListEntry>& list(size_t i) const { return lists_[i]; }
  const DimsView& dims(size_t i) const { return dims_[i]; }
  // A `layout` argument (absent `layout?`: present(i) false).
  const LayoutView& layout(size_t i) const { return layouts_[ints_[i]]; }
  // Throws RangeError unless array v holds every element layout l reaches.
  void check_layout(const ArrayView& v, const LayoutView& l) const {
    check_span(v, l.span(), [&] { return l.describe(); });
  }
  // The call's float type (kF32 or kF64), or 0 when it has no float array.
  ArrayKind float_kind() const { return float_kind_; }

 private:
  void parse();
  void parse_list(size_t i, const ArgDef& d);
  void read_dims(napi_value v, const std::string& what, DimsView& out) const;
  void parse_layout(size_t i, const ArgDef& d);
  // The call's one float type: argument `name` (its element `name + suffix`) has kind k.
  void same_float(ArrayKind k, const char* name, const char* suffix);
  const ArgDef* defs_;
  size_t n_;
  ArrayKind float_kind_ = ArrayKind(0);
  const char* float_first_ = "";
  const char* float_type_ = "";
  // Per argument, written by parse() for the arguments of its kind only: left
  // uninitialized here (clearing all 24 slots was measurable on a 0.5 µs call).
  union ArraySlot {
    ArraySlot() {}
    ArrayView v;
  };
  ArraySlot arrays_[kMaxKernelArgs];
  bool present_[kMaxKernelArgs];
  int64_t ints_[kMaxKernelArgs];
  double nums_[kMaxKernelArgs];
  std::vector<std::string> strs_;
  std::vector<std::vector<ListEntry>> lists_;
  std::vector<DimsView> dims_;
  LayoutView layouts_[kMaxLayoutArgs];  // filled in argument order; ints_[i] is argument i's slot
  size_t n_layouts_ = 0;
};

// Registers fn as exports[def.name] with its argument list (see ADJ_KERNEL).
bool register_kernel(const char* name, napi_callback fn, const ArgDef* args, size_t count);

}  // namespace adj

// At namespace scope in a bind_*.cc: exports[DEF.name] = FN, its spec in kernelSpecs().
#define ADJ_KERNEL(DEF, FN)                                                                             \
  [[maybe_unused]] static const bool ADJ_EXPORT_CAT(adj_kernel_, __LINE__) =                           \
      ::adj::register_kernel(DEF.name, FN, DEF.args, sizeof(DEF.args) / sizeof(DEF.args[0]))
