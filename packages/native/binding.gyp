{
  # node-gyp build of adjoint_native.node. Kernels are compiled once per
  # instruction set (static libraries with their own -m flags) and chosen at
  # load time (src/cc/cpu.cc). OpenBLAS is linked when scripts/detect-blas.mjs
  # can compile and run a cblas_sgemm call (ADJOINT_BLAS=0 to never use it).
  "variables": {
    "adjoint_blas%": "<!(node scripts/detect-blas.mjs use)",
    "kernel_cflags": ["-O3", "-fPIC", "-fno-math-errno", "-ffp-contract=fast", "-fno-exceptions", "-fno-rtti"]
  },
  "targets": [
    {
      "target_name": "adjoint_native",
      "sources": [
        "src/cc/addon.cc",
        "src/cc/bind_gemm.cc",
        "src/cc/bind_rows.cc",
        "src/cc/bind_gelu.cc",
        "src/cc/bind_unary.cc",
        "src/cc/bind_sums.cc",
        "src/cc/bind_index.cc",
        "src/cc/bind_settings.cc",
        "src/cc/bind_probes.cc",
        "src/cc/bind_memory.cc",
        "src/cc/bind_optim.cc",
        "src/cc/optim.cc",
        "src/cc/bind_elementwise.cc",
        "src/cc/bind_attention.cc",
        "src/cc/attention.cc",
        "src/cc/elementwise.cc",
        "src/cc/napi_args.cc",
        "src/cc/kernel_args.cc",
        "src/cc/gemm.cc",
        "src/cc/rows.cc",
        "src/cc/rows_f64.cc",
        "src/cc/threadpool.cc",
        "src/cc/env.cc",
        "src/cc/cpu.cc",
        "src/cc/blas.cc",
        "src/cc/isa_portable.cc"
      ],
      "cflags": ["-O3", "-fno-math-errno", "-pthread"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags_cc": ["-fexceptions", "-ffp-contract=fast"],
      "ldflags": ["-pthread"],
      "conditions": [
        ["adjoint_blas==1", {
          "defines": ["ADJOINT_USE_OPENBLAS"],
          "include_dirs": ["<!@(node scripts/detect-blas.mjs include_dirs)"],
          "libraries": ["<!@(node scripts/detect-blas.mjs libraries)"]
        }],
        ["target_arch=='x64'", {
          "dependencies": ["adjoint_kernels_avx2", "adjoint_kernels_avx512"]
        }]
      ]
    }
  ],
  "conditions": [
    ["target_arch=='x64'", {
      "targets": [
        {
          "target_name": "adjoint_kernels_avx2",
          "type": "static_library",
          "sources": ["src/cc/isa_avx2.cc"],
          "cflags": ["<@(kernel_cflags)", "-mavx2", "-mfma"]
        },
        {
          "target_name": "adjoint_kernels_avx512",
          "type": "static_library",
          "sources": ["src/cc/isa_avx512.cc"],
          "cflags": ["<@(kernel_cflags)", "-mavx512f", "-mavx2", "-mfma"]
        }
      ]
    }]
  ]
}
