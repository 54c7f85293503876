// Where an array's data lies, for 64-byte-aligned storage (aligned-arrays.ts):
//   dataAlignment(x) -> the address of x's first data byte modulo 64 (x an ArrayBuffer or a typed array)
// A row or a matrix that starts on a cache line is read with aligned vector loads
// (the one-row products' edges need no masks), and two threads writing the halves
// of C cut on a line boundary share no line (false sharing costs 10% on the LM
// head's weight gradient on 2 threads).
#include <cstdint>

#include "binding.h"

namespace adj {
namespace {

napi_value DataAlignment(napi_env env, napi_callback_info info) {
  return guard(env, [&]() -> napi_value {
    Args A(env, info, "dataAlignment", 1, 1);
    void* data = nullptr;
    bool is_buffer = false, is_view = false;
    napi_is_arraybuffer(env, A.at(0), &is_buffer);
    if (is_buffer) {
      size_t bytes = 0;
      napi_get_arraybuffer_info(env, A.at(0), &data, &bytes);
    } else if (napi_is_typedarray(env, A.at(0), &is_view) == napi_ok && is_view) {
      napi_typedarray_type type;
      size_t length = 0;
      napi_get_typedarray_info(env, A.at(0), &type, &length, &data, nullptr, nullptr);
    } else {
      A.type_error("x must be an ArrayBuffer or a typed array, got " + A.describe(A.at(0)));
    }
    return make_number(env, (double)((uintptr_t)data % 64));
  });
}

ADJ_EXPORT("dataAlignment", DataAlignment);

}  // namespace
}  // namespace adj
