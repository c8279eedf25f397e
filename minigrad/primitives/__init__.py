"""The primitives layer: every differentiable operation as an `Op` on backend arrays.

Each module groups one theme (elementwise, reduce, shape, index, matmul, nn, recurrent); `base`
holds what they share.  Modules here import only `minigrad.backend`, `minigrad.autograd` and each
other, never `Tensor`: the public functions in `minigrad.ops` call `SomeOp.apply(...)` with tensors.
"""
