/// The resource vector lives in its own dependency-free target, `Resources`, so that the
/// agent can use it without linking BLAS (OpenBLAS starts a thread pool whose idle spinning
/// alone costs ~0.5 % of a core); every `import Forecast` still sees it.
@_exported import Resources
