// Compiles the precompiled Catch2 header once; the chapter test executables reuse it.
