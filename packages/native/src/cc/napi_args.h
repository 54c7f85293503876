// Argument checking for the exported functions: every value is checked for
// type and range, every array access the kernel will make is checked against
// the array's length before anything is computed, and outputs may not overlap
// inputs. A failed check throws ArgError, which the guard in addon.cc turns into
// a JS TypeError or RangeError whose message names the function.
#pragma once
#include <node_api.h>

#include <cstdint>
#include <initializer_list>
#include <stdexcept>
#include <string>

namespace adj {

struct ArgError {
  bool range;  // RangeError, else TypeError
  std::string message;
};

enum ArrayKind : unsigned { kF32 = 1, kF64 = 2, kI32 = 4 };

struct ArrayView {
  void* data = nullptr;
  size_t length = 0;     // elements
  size_t elem_size = 0;  // bytes
  ArrayKind kind = kF32;
  const char* type_name = "";
  const char* name = "";  // argument name, for messages
  // The elements as T (nullptr for an absent optional array).
  template <class T>
  T* as() const {
    return static_cast<T*>(data);
  }
};

// Element indices [lo, hi] an access pattern reaches; empty if it reaches none.
struct Span {
  bool empty = true;
  __int128 lo = 0, hi = -1;
};

struct Dim {
  int64_t extent, stride;
};
// off + sum_i [0, extent_i - 1] * stride_i
Span span_of(int64_t offset, std::initializer_list<Dim> dims);

class Args {
 public:
  Args(napi_env env, napi_callback_info info, const char* fn, size_t min_count, size_t max_count);
  size_t count() const { return argc_; }
  napi_value at(size_t i) const { return argv_[i]; }
  const char* fn() const { return fn_; }
  napi_env env() const { return env_; }

  ArrayView array(size_t i, const char* name, unsigned kinds) const;
  bool is_nullish(size_t i) const;
  int64_t integer(size_t i, const char* name, int64_t lo, int64_t hi) const;
  double number(size_t i, const char* name) const;
  std::string string(size_t i, const char* name) const;

  // Throws RangeError unless every index in span is inside the array; `what`
  // describes the access (shape, strides) for the message.
  template <class Describe>
  void check_span(const ArrayView& a, const Span& s, Describe&& what) const {
    if (!s.empty && (s.lo < 0 || s.hi >= (__int128)a.length)) span_error(a, s, what());
  }
  // Throws RangeError if out's span shares any byte with in's span; with
  // allow_exact, exactly the same start (an in-place call) is accepted.
  void check_no_overlap(const ArrayView& out, const Span& so, const ArrayView& in, const Span& si,
                        bool allow_exact) const;
  // Throws TypeError unless b has the same element type as a.
  void check_same_type(const ArrayView& a, const ArrayView& b) const;

  [[noreturn]] void span_error(const ArrayView& a, const Span& s, const std::string& what) const;
  [[noreturn]] void type_error(const std::string& msg) const;
  [[noreturn]] void range_error(const std::string& msg) const;
  // "a Float32Array", "the number 3", "null"...: what a value is, for messages.
  std::string describe(napi_value v) const;

 private:
  napi_env env_;
  const char* fn_;
  size_t argc_;
  napi_value argv_[24];
};

}  // namespace adj
