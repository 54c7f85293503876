// Process-wide settings and what the addon runs on:
//   info(), setNumThreads(n), setSpinMicros(us), setIsa(name), setGemmImpl(impl), setTuning(...)
#include <vector>

#include "binding.h"
#include "blas.h"
#include "cpu.h"
#include "env.h"
#include "gemm.h"
#include "rows.h"
#include "threadpool.h"

namespace adj {
namespace {

const char* impl_name(GemmImpl i) {
  return i == GemmImpl::Auto ? "auto" : i == GemmImpl::Blas ? "openblas" : "builtin";
}

GemmImpl parse_impl(const Args& A, const std::string& name, bool allow_auto) {
  if (name == "openblas") return GemmImpl::Blas;
  if (name == "builtin") return GemmImpl::Builtin;
  if (allow_auto && name == "auto") return GemmImpl::Auto;
  A.range_error(std::string("impl must be ") + (allow_auto ? "\"auto\", " : "") + "\"openblas\" or \"builtin\", got \"" +
                name + "\"");
}

napi_value Info(napi_env env, napi_callback_info) {
  return guard(env, [&]() -> napi_value {
    napi_value o;
    napi_create_object(env, &o);
    const auto string_array = [&](const std::vector<std::string>& names) {
      napi_value arr;
      napi_create_array_with_length(env, names.size(), &arr);
      for (size_t i = 0; i < names.size(); ++i) napi_set_element(env, arr, (uint32_t)i, make_string(env, names[i]));
      return arr;
    };
    napi_set_named_property(env, o, "isa", make_string(env, isa().name));
    napi_set_named_property(env, o, "isas", string_array(supported_isas()));
    napi_set_named_property(env, o, "compiledIsas", string_array(compiled_isas()));
    napi_set_named_property(env, o, "poolWorkerTasks", make_number(env, (double)pool_worker_tasks()));
    napi_set_named_property(env, o, "blas", make_string(env, impl_name(resolved_gemm_impl())));
    napi_set_named_property(env, o, "gemmImpl", make_string(env, impl_name(gemm_impl())));
    napi_set_named_property(env, o, "openblasLinked", make_bool(env, blas_linked()));
    napi_set_named_property(env, o, "openblasCore", make_string(env, blas_corename()));
    napi_set_named_property(env, o, "openblasConfig", make_string(env, blas_config()));
    napi_set_named_property(env, o, "threads", make_number(env, num_threads()));
    napi_set_named_property(env, o, "defaultThreads", make_number(env, default_num_threads()));
    napi_set_named_property(env, o, "envErrors", string_array(env_errors()));
    return o;
  });
}

napi_value SetNumThreads(napi_env env, napi_callback_info info) {
  return guard(env, [&]() -> napi_value {
    Args A(env, info, "setNumThreads", 1, 1);
    const int n = (int)A.integer(0, "n", 1, 256);
    set_num_threads(n);
    blas_set_threads(n);
    return undefined(env);
  });
}

// setSpinMicros(us): how long pool workers spin after a task before they block
// (ADJOINT_SPIN_US at load, 0 to 100000); returns the previous value.
napi_value SetSpinMicros(napi_env env, napi_callback_info info) {
  return guard(env, [&]() -> napi_value {
    Args A(env, info, "setSpinMicros", 1, 1);
    return make_number(env, (double)set_spin_us(A.integer(0, "us", 0, 100000)));
  });
}

napi_value SetIsa(napi_env env, napi_callback_info info) {
  return guard(env, [&]() -> napi_value {
    Args A(env, info, "setIsa", 1, 1);
    const std::string name = A.string(0, "isa");
    if (!set_isa(name)) {
      std::string list;
      for (const std::string& s : supported_isas()) list += (list.empty() ? "" : ", ") + s;
      A.range_error("isa \"" + name + "\" is not available on this CPU/build (available: " + list + ")");
    }
    return undefined(env);
  });
}

napi_value SetGemmImpl(napi_env env, napi_callback_info info) {
  return guard(env, [&]() -> napi_value {
    Args A(env, info, "setGemmImpl", 1, 1);
    set_gemm_impl(parse_impl(A, A.string(0, "impl"), true));
    return undefined(env);
  });
}

// setAutoGemmImpl(impl): what "auto" runs, "openblas" or "builtin" (decided by measurement in TS).
napi_value SetAutoGemmImpl(napi_env env, napi_callback_info info) {
  return guard(env, [&]() -> napi_value {
    Args A(env, info, "setAutoGemmImpl", 1, 1);
    set_auto_gemm_impl(parse_impl(A, A.string(0, "impl"), false));
    return undefined(env);
  });
}

// setTuning(minFlopsPerThread, blasMinFlops, rowsParallelMinElements, streamMinBytes[, decodeSplitMinBytes]):
// for benchmarks and tests; returns the previous values (all five) as an array.
napi_value SetTuning(napi_env env, napi_callback_info info) {
  return guard(env, [&]() -> napi_value {
    Args A(env, info, "setTuning", 4, 5);
    const int64_t v0 = A.integer(0, "minFlopsPerThread", 1, kMaxIndex);
    const int64_t v1 = A.integer(1, "blasMinFlops", 0, kMaxIndex);
    const int64_t v2 = A.integer(2, "rowsParallelMinElements", 1, kMaxIndex);
    const int64_t v3 = A.integer(3, "streamMinBytes", 0, kMaxIndex);
    const int64_t v4 =
        A.count() > 4 ? A.integer(4, "decodeSplitMinBytes", 0, kMaxIndex) : gemm_tuning().decode_split_min_bytes;
    const double old[5] = {(double)gemm_tuning().min_flops_per_thread, (double)gemm_tuning().blas_min_flops,
                           (double)rows_parallel_min_elements(), (double)stream_min_bytes(),
                           (double)gemm_tuning().decode_split_min_bytes};
    gemm_tuning().min_flops_per_thread = v0;
    gemm_tuning().blas_min_flops = v1;
    rows_parallel_min_elements() = v2;
    stream_min_bytes() = v3;
    gemm_tuning().decode_split_min_bytes = v4;
    return make_number_array(env, old, 5);
  });
}

ADJ_EXPORT("info", Info);
ADJ_EXPORT("setNumThreads", SetNumThreads);
ADJ_EXPORT("setSpinMicros", SetSpinMicros);
ADJ_EXPORT("setIsa", SetIsa);
ADJ_EXPORT("setGemmImpl", SetGemmImpl);
ADJ_EXPORT("setAutoGemmImpl", SetAutoGemmImpl);
ADJ_EXPORT("setTuning", SetTuning);

}  // namespace
}  // namespace adj
