{
  # The build of record for the native engine (node-gyp). One target, one source list.
  # The SIMD micro-kernels are compiled with per-function target attributes (avx2/fma, avx512f) so the
  # whole addon builds with the baseline flags and picks its path at load time (native/kernels/dispatch.cc).
  "targets": [
    {
      "target_name": "fastrnn",
      "sources": [
        "native/addon.cc",
        "native/calls.cc",
        "native/linear_calls.cc",
        "native/kernels/linear.cc",
        "native/kernels/plan.cc",
        "native/kernels/small.cc",
        "native/kernels/transpose.cc",
        "native/kernels/rnn.cc",
        "native/kernels/lstm.cc",
        "native/kernels/gru.cc",
        "native/kernels/gated.cc",
        "native/kernels/dispatch.cc",
        "native/kernels/threads.cc",
        "native/kernels/gemm/baseline.cc",
        "native/kernels/gemm/avx2.cc",
        "native/kernels/gemm/avx512.cc"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "native",
        "native/kernels"
      ],
      "defines": [
        "NAPI_VERSION=8",
        "NAPI_CPP_EXCEPTIONS",
        "NODE_ADDON_API_DISABLE_DEPRECATED"
      ],
      "cflags!": ["-fno-exceptions", "-O2"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++17", "-O2"],
      "cflags": ["-O3", "-fvisibility=hidden", "-ffp-contract=off"],
      "cflags_cc": ["-std=c++17", "-O3", "-fexceptions", "-fvisibility=hidden", "-ffp-contract=off"],
      "conditions": [
        ["OS=='mac'", {
          "xcode_settings": {
            "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
            "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
            "GCC_OPTIMIZATION_LEVEL": "3",
            "OTHER_CFLAGS": ["-ffp-contract=off", "-fvisibility=hidden"],
            "MACOSX_DEPLOYMENT_TARGET": "11.0"
          }
        }],
        ["OS=='win'", {
          "defines": ["_HAS_EXCEPTIONS=1", "NOMINMAX"],
          "msvs_settings": {
            "VCCLCompilerTool": {
              "ExceptionHandling": 1,
              "Optimization": 2,
              "AdditionalOptions": ["/std:c++17", "/fp:precise"]
            }
          }
        }]
      ]
    }
  ]
}
