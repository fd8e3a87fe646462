;; Adam's update for float32 parameters (WebAssembly SIMD128), on a shared memory so that the
;; moments can be updated from any thread: a data-parallel worker updates the dense tensors while
;; the calling thread updates the embedding rows.
;;
;; adam updates $len floats at W with the gradient G (plus G2 when two ≠ 0: a second thread's
;; gradient, summed first) and the moments Mo and Vo, operation for operation as adam.ts's
;; float32 loop (no fused multiply-add, so the results are the same):
;;   g = (G [+ G2])·gs; m = b1·m + a1·g; v = b2·v + (a2·g)·g; W = W − (lr·m) / (√v + eps).
;; Build: deno run -A backbone/wasm/build.ts (needs `npx -p wabt wat2wasm`).
(module
  (import "env" "memory" (memory 1 65536 shared))
  (func (export "adam")
    (param $W i32) (param $G i32) (param $G2 i32) (param $two i32) (param $Mo i32) (param $Vo i32)
    (param $len i32)
    (param $b1 f32) (param $a1 f32) (param $b2 f32) (param $a2 f32) (param $eps f32)
    (param $lr f32) (param $gs f32)
    (local $i i32) (local $end i32) (local $g v128) (local $m v128) (local $v v128)
    (local $sg f32) (local $sm f32) (local $sv f32)
    (local.set $end (i32.shl (i32.and (local.get $len) (i32.const -4)) (i32.const 2)))
    (block $vdone (loop $vl
      (br_if $vdone (i32.ge_u (local.get $i) (local.get $end)))
      (local.set $g (v128.load (i32.add (local.get $G) (local.get $i))))
      (if (local.get $two) (then
        (local.set $g (f32x4.add (local.get $g) (v128.load (i32.add (local.get $G2) (local.get $i)))))))
      (local.set $g (f32x4.mul (local.get $g) (f32x4.splat (local.get $gs))))
      (local.set $m (f32x4.add
        (f32x4.mul (f32x4.splat (local.get $b1)) (v128.load (i32.add (local.get $Mo) (local.get $i))))
        (f32x4.mul (f32x4.splat (local.get $a1)) (local.get $g))))
      (local.set $v (f32x4.add
        (f32x4.mul (f32x4.splat (local.get $b2)) (v128.load (i32.add (local.get $Vo) (local.get $i))))
        (f32x4.mul (f32x4.mul (f32x4.splat (local.get $a2)) (local.get $g)) (local.get $g))))
      (v128.store (i32.add (local.get $Mo) (local.get $i)) (local.get $m))
      (v128.store (i32.add (local.get $Vo) (local.get $i)) (local.get $v))
      (v128.store (i32.add (local.get $W) (local.get $i)) (f32x4.sub
        (v128.load (i32.add (local.get $W) (local.get $i)))
        (f32x4.div (f32x4.mul (f32x4.splat (local.get $lr)) (local.get $m))
          (f32x4.add (f32x4.sqrt (local.get $v)) (f32x4.splat (local.get $eps))))))
      (local.set $i (i32.add (local.get $i) (i32.const 16)))
      (br $vl)))
    (local.set $end (i32.shl (local.get $len) (i32.const 2)))
    (block $sdone (loop $sl
      (br_if $sdone (i32.ge_u (local.get $i) (local.get $end)))
      (local.set $sg (f32.load (i32.add (local.get $G) (local.get $i))))
      (if (local.get $two) (then
        (local.set $sg (f32.add (local.get $sg) (f32.load (i32.add (local.get $G2) (local.get $i)))))))
      (local.set $sg (f32.mul (local.get $sg) (local.get $gs)))
      (local.set $sm (f32.add (f32.mul (local.get $b1) (f32.load (i32.add (local.get $Mo) (local.get $i))))
        (f32.mul (local.get $a1) (local.get $sg))))
      (local.set $sv (f32.add (f32.mul (local.get $b2) (f32.load (i32.add (local.get $Vo) (local.get $i))))
        (f32.mul (f32.mul (local.get $a2) (local.get $sg)) (local.get $sg))))
      (f32.store (i32.add (local.get $Mo) (local.get $i)) (local.get $sm))
      (f32.store (i32.add (local.get $Vo) (local.get $i)) (local.get $sv))
      (f32.store (i32.add (local.get $W) (local.get $i)) (f32.sub
        (f32.load (i32.add (local.get $W) (local.get $i)))
        (f32.div (f32.mul (local.get $lr) (local.get $sm))
          (f32.add (f32.sqrt (local.get $sv)) (local.get $eps)))))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $sl)))))
