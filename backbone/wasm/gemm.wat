;; SIMD GEMM kernel for the backbone (f32, WebAssembly SIMD128 with relaxed fused multiply-add).
;;
;;   C[m, n] = act(R[m·rs + n] + Σ_k A(m, k) · B(k, n))   A(m, k) = f32 at A + 4·(m·sam + k·sak)
;;                                                        B(k, n) = f32 at B + 4·(k·sbk + n·sbn)
;;
;; B(k, n) is 0 for n ≥ Nb; act is ReLU when relu ≠ 0, else the identity. R is C itself
;; (rs = N) to accumulate, or one row broadcast (rs = 0): the bias, or zeros.
;; C is row-major with N a multiple of 8. B is first packed into 8-column panels (32 bytes per
;; k) at scratch S, then rows of C are done four at a time (two, one for the tail) and columns
;; eight at a time: each step of k loads two B vectors and one vector of four A values, packed
;; alongside, and broadcasts its lanes by shuffles, for 32 multiply-adds into eight v128
;; accumulators, enough independent chains to cover the latency of fused multiply-add. Deno
;; runs WebAssembly with an explicit bounds check on every memory access, so loads are what
;; the loop saves: this 4×8 step (three loads) runs 10–15% faster than a 6×8 one with six
;; scalar broadcast loads. Strides cover all three products of a linear layer: x·Wᵀ (B = W read
;; transposed), dY·W, and dYᵀ·X (sam = 1, sak = O). Scratch needs 4·(K·N + 4·K) bytes.
;; Below: colsum and relumask (bias gradients, ReLU backward), crossfwd / crossbwd (DCN v1 cross
;; layers, in float32), rowdots / rowaxpy (AutoInt's attention). rowdots / rowaxpy repeat their
;; JavaScript counterparts operation for operation, results included; the cross layers match
;; theirs to float32 rounding. Adam's update is in adam.wat.
;;
;; build.ts compiles this module twice: as written, and with every
;; (f32x4.relaxed_madd a b c) rewritten to (f32x4.add (f32x4.mul a b) c) for runtimes without
;; relaxed SIMD. Keep the three operands of relaxed_madd at most one call deep for that rewrite.
;; Build: deno run -A backbone/wasm/build.ts (needs `npx -p wabt wat2wasm`).
(module
  (memory (export "memory") 1)
  (func (export "gemm")
    (param $A i32) (param $sam i32) (param $sak i32)
    (param $B i32) (param $sbk i32) (param $sbn i32) (param $Nb i32)
    (param $R i32) (param $rs i32) (param $relu i32)
    (param $C i32) (param $M i32) (param $K i32) (param $N i32) (param $S i32)
    (local $m i32) (local $nb i32) (local $k i32) (local $c i32)
    (local $samB i32) (local $sakB i32) (local $sbkB i32) (local $NB i32) (local $K4 i32)
    (local $PA i32) (local $PB i32) (local $ap i32) (local $pp i32) (local $bp i32) (local $cp i32)
    (local $src i32) (local $dst i32) (local $rp i32) (local $rsB i32) (local $floor f32)
    (local $c00 v128) (local $c01 v128) (local $c10 v128) (local $c11 v128) (local $c20 v128) (local $c21 v128)
    (local $c30 v128) (local $c31 v128)
    (local $b0 v128) (local $b1 v128) (local $s v128) (local $a v128)
    (local $r0 v128) (local $r1 v128) (local $r2 v128) (local $r3 v128)
    (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128)
    (local $sbnB i32) (local $c8 i32) (local $kk i32) (local $s2 i32)
    (if (i32.or (i32.le_s (local.get $M) (i32.const 0))
          (i32.or (i32.le_s (local.get $K) (i32.const 0)) (i32.le_s (local.get $N) (i32.const 0))))
      (then (return)))
    (local.set $samB (i32.shl (local.get $sam) (i32.const 2)))
    (local.set $sakB (i32.shl (local.get $sak) (i32.const 2)))
    (local.set $sbkB (i32.shl (local.get $sbk) (i32.const 2)))
    (local.set $sbnB (i32.shl (local.get $sbn) (i32.const 2)))
    (local.set $c8 (i32.const 8))
    (local.set $NB (i32.shl (local.get $N) (i32.const 2)))
    (local.set $K4 (i32.shl (local.get $K) (i32.const 2)))
    (local.set $rsB (i32.shl (local.get $rs) (i32.const 2)))
    ;; pmax(v, -inf) = v; pmax(v, 0) = v < 0 ? 0 : v, JavaScript's ReLU exactly (-0 and NaN kept).
    (local.set $floor (select (f32.const 0) (f32.const -inf) (local.get $relu)))
    (local.set $PB (local.get $S))
    (local.set $PA (i32.add (local.get $S) (i32.mul (local.get $K4) (local.get $N))))
    ;; Pack B into 8-column panels, PB[(nb + c)·K + 8k ... ] i.e. 32 bytes per k, so that the
    ;; kernel streams it; columns from Nb on are zero.
    (local.set $nb (i32.const 0))
    (loop $panels
      (local.set $dst (i32.add (local.get $PB) (i32.mul (local.get $nb) (local.get $K4))))
      (if (i32.and (i32.eq (local.get $sbn) (i32.const 1))
            (i32.le_s (i32.add (local.get $nb) (i32.const 8)) (local.get $Nb)))
        (then
          ;; Eight contiguous columns: two vector copies per k.
          (local.set $src (i32.add (local.get $B) (i32.shl (local.get $nb) (i32.const 2))))
          (local.set $k (local.get $K))
          (loop $vk
            (v128.store (local.get $dst) (v128.load (local.get $src)))
            (v128.store offset=16 (local.get $dst) (v128.load offset=16 (local.get $src)))
            (local.set $src (i32.add (local.get $src) (local.get $sbkB)))
            (local.set $dst (i32.add (local.get $dst) (i32.const 32)))
            (br_if $vk (local.tee $k (i32.sub (local.get $k) (i32.const 1))))))
        (else (if (i32.and (i32.eq (local.get $sbk) (i32.const 1))
            (i32.le_s (i32.add (local.get $nb) (local.get $c8)) (local.get $Nb)))
          (then
            ;; Eight columns each contiguous along k (B = Wᵀ): 4×4 blocks transposed by shuffles,
            ;; four k at a time, then the last K mod 4 k one value at a time.
            (local.set $src (i32.add (local.get $B) (i32.mul (local.get $nb) (local.get $sbnB))))
            (local.set $k (local.get $K))
            (block $btdone (loop $bt
              (br_if $btdone (i32.lt_s (local.get $k) (i32.const 4)))
              (local.set $r0 (v128.load (local.get $src)))
              (local.set $r1 (v128.load (i32.add (local.get $src) (i32.mul (local.get $sbnB) (i32.const 1)))))
              (local.set $r2 (v128.load (i32.add (local.get $src) (i32.mul (local.get $sbnB) (i32.const 2)))))
              (local.set $r3 (v128.load (i32.add (local.get $src) (i32.mul (local.get $sbnB) (i32.const 3)))))
              (local.set $t0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $r0) (local.get $r1)))
              (local.set $t1 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $r0) (local.get $r1)))
              (local.set $t2 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $r2) (local.get $r3)))
              (local.set $t3 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $r2) (local.get $r3)))
              (v128.store offset=0 (local.get $dst) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t0) (local.get $t2)))
              (v128.store offset=32 (local.get $dst) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t0) (local.get $t2)))
              (v128.store offset=64 (local.get $dst) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t1) (local.get $t3)))
              (v128.store offset=96 (local.get $dst) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t1) (local.get $t3)))
              (local.set $r0 (v128.load (i32.add (local.get $src) (i32.mul (local.get $sbnB) (i32.const 4)))))
              (local.set $r1 (v128.load (i32.add (local.get $src) (i32.mul (local.get $sbnB) (i32.const 5)))))
              (local.set $r2 (v128.load (i32.add (local.get $src) (i32.mul (local.get $sbnB) (i32.const 6)))))
              (local.set $r3 (v128.load (i32.add (local.get $src) (i32.mul (local.get $sbnB) (i32.const 7)))))
              (local.set $t0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $r0) (local.get $r1)))
              (local.set $t1 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $r0) (local.get $r1)))
              (local.set $t2 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $r2) (local.get $r3)))
              (local.set $t3 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $r2) (local.get $r3)))
              (v128.store offset=16 (local.get $dst) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t0) (local.get $t2)))
              (v128.store offset=48 (local.get $dst) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t0) (local.get $t2)))
              (v128.store offset=80 (local.get $dst) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t1) (local.get $t3)))
              (v128.store offset=112 (local.get $dst) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t1) (local.get $t3)))
              (local.set $src (i32.add (local.get $src) (i32.const 16)))
              (local.set $dst (i32.add (local.get $dst) (i32.const 128)))
              (local.set $k (i32.sub (local.get $k) (i32.const 4)))
              (br $bt)))
            (if (local.get $k) (then
              (local.set $c (i32.const 0))
              (loop $btc
                (local.set $cp (i32.add (local.get $dst) (i32.shl (local.get $c) (i32.const 2))))
                (local.set $s2 (i32.add (local.get $src) (i32.mul (local.get $c) (local.get $sbnB))))
                (local.set $kk (local.get $k))
                (loop $btk
                  (f32.store (local.get $cp) (f32.load (local.get $s2)))
                  (local.set $s2 (i32.add (local.get $s2) (i32.const 4)))
                  (local.set $cp (i32.add (local.get $cp) (i32.const 32)))
                  (br_if $btk (local.tee $kk (i32.sub (local.get $kk) (i32.const 1)))))
                (br_if $btc (i32.lt_s (local.tee $c (i32.add (local.get $c) (i32.const 1))) (i32.const 8)))))))
        (else
          ;; Column by column (ragged B).
          (local.set $c (i32.const 0))
          (loop $col
            (local.set $cp (i32.add (local.get $dst) (i32.shl (local.get $c) (i32.const 2))))
            (local.set $k (local.get $K))
            (if (i32.lt_s (i32.add (local.get $nb) (local.get $c)) (local.get $Nb))
              (then
                (local.set $src (i32.add (local.get $B) (i32.shl
                  (i32.mul (i32.add (local.get $nb) (local.get $c)) (local.get $sbn)) (i32.const 2))))
                (loop $sk
                  (f32.store (local.get $cp) (f32.load (local.get $src)))
                  (local.set $src (i32.add (local.get $src) (local.get $sbkB)))
                  (local.set $cp (i32.add (local.get $cp) (i32.const 32)))
                  (br_if $sk (local.tee $k (i32.sub (local.get $k) (i32.const 1))))))
              (else
                (loop $zk
                  (f32.store (local.get $cp) (f32.const 0))
                  (local.set $cp (i32.add (local.get $cp) (i32.const 32)))
                  (br_if $zk (local.tee $k (i32.sub (local.get $k) (i32.const 1)))))))
            (br_if $col (i32.lt_s (local.tee $c (i32.add (local.get $c) (i32.const 1))) (i32.const 8))))))))
      (br_if $panels
        (i32.lt_s (local.tee $nb (i32.add (local.get $nb) (i32.const 8))) (local.get $N))))

    ;; Blocks of 4 rows. A is packed four rows per k and loaded as one vector whose lanes are
    ;; broadcast by shuffles: Deno's WebAssembly bounds-checks every load, so one load instead of
    ;; four splat loads per k is what keeps the loop on its multiply-adds.
    (block $r4done (loop $r4
      (br_if $r4done (i32.gt_s (i32.add (local.get $m) (i32.const 4)) (local.get $M)))
      ;; PA[k·4 + r] = A(m + r, k)
      (local.set $ap (i32.add (local.get $A) (i32.mul (local.get $m) (local.get $samB))))
      (local.set $pp (local.get $PA))
      (local.set $k (local.get $K))
      (if (i32.eq (local.get $sam) (i32.const 1))
        (then
          ;; The four rows side by side (A = dYᵀ): one vector per k.
          (loop $r4packv
            (v128.store (local.get $pp) (v128.load (local.get $ap)))
            (local.set $ap (i32.add (local.get $ap) (local.get $sakB)))
            (local.set $pp (i32.add (local.get $pp) (i32.const 16)))
            (br_if $r4packv (local.tee $k (i32.sub (local.get $k) (i32.const 1)))))))
      (if (i32.eq (local.get $sak) (i32.const 1))
        (then
          ;; Rows along k: 4×4 blocks transposed by shuffles, four k at a time.
          (block $r4tdone (loop $r4t
            (br_if $r4tdone (i32.lt_s (local.get $k) (i32.const 4)))
          (local.set $r0 (v128.load (local.get $ap)))
          (local.set $r1 (v128.load (i32.add (local.get $ap) (i32.mul (local.get $samB) (i32.const 1)))))
          (local.set $r2 (v128.load (i32.add (local.get $ap) (i32.mul (local.get $samB) (i32.const 2)))))
          (local.set $r3 (v128.load (i32.add (local.get $ap) (i32.mul (local.get $samB) (i32.const 3)))))
          (local.set $t0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $r0) (local.get $r1)))
          (local.set $t1 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $r0) (local.get $r1)))
          (local.set $t2 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $r2) (local.get $r3)))
          (local.set $t3 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $r2) (local.get $r3)))
          (v128.store offset=0 (local.get $pp) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t0) (local.get $t2)))
          (v128.store offset=16 (local.get $pp) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t0) (local.get $t2)))
          (v128.store offset=32 (local.get $pp) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t1) (local.get $t3)))
          (v128.store offset=48 (local.get $pp) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t1) (local.get $t3)))
            (local.set $ap (i32.add (local.get $ap) (i32.const 16)))
            (local.set $pp (i32.add (local.get $pp) (i32.const 64)))
            (local.set $k (i32.sub (local.get $k) (i32.const 4)))
            (br $r4t)))))
      ;; The rest one value at a time.
      (if (local.get $k) (then
      (loop $r4pack
        (f32.store offset=0 (local.get $pp) (f32.load (local.get $ap)))
        (f32.store offset=4 (local.get $pp) (f32.load (i32.add (local.get $ap) (local.get $samB))))
        (f32.store offset=8 (local.get $pp) (f32.load (i32.add (local.get $ap) (i32.mul (local.get $samB) (i32.const 2)))))
        (f32.store offset=12 (local.get $pp) (f32.load (i32.add (local.get $ap) (i32.mul (local.get $samB) (i32.const 3)))))
        (local.set $ap (i32.add (local.get $ap) (local.get $sakB)))
        (local.set $pp (i32.add (local.get $pp) (i32.const 16)))
        (br_if $r4pack (local.tee $k (i32.sub (local.get $k) (i32.const 1)))))))
      (local.set $nb (i32.const 0))
      (loop $r4cols
        (local.set $c00 (v128.const i32x4 0 0 0 0))
        (local.set $c01 (v128.const i32x4 0 0 0 0))
        (local.set $c10 (v128.const i32x4 0 0 0 0))
        (local.set $c11 (v128.const i32x4 0 0 0 0))
        (local.set $c20 (v128.const i32x4 0 0 0 0))
        (local.set $c21 (v128.const i32x4 0 0 0 0))
        (local.set $c30 (v128.const i32x4 0 0 0 0))
        (local.set $c31 (v128.const i32x4 0 0 0 0))
        (local.set $pp (local.get $PA))
        (local.set $bp (i32.add (local.get $PB) (i32.mul (local.get $nb) (local.get $K4))))
        (local.set $k (local.get $K))
        (loop $r4k
          (local.set $b0 (v128.load (local.get $bp)))
          (local.set $b1 (v128.load offset=16 (local.get $bp)))
          (local.set $a (v128.load (local.get $pp)))
          (local.set $s (i8x16.shuffle 0 1 2 3 0 1 2 3 0 1 2 3 0 1 2 3 (local.get $a) (local.get $a)))
          (local.set $c00 (f32x4.relaxed_madd (local.get $s) (local.get $b0) (local.get $c00)))
          (local.set $c01 (f32x4.relaxed_madd (local.get $s) (local.get $b1) (local.get $c01)))
          (local.set $s (i8x16.shuffle 4 5 6 7 4 5 6 7 4 5 6 7 4 5 6 7 (local.get $a) (local.get $a)))
          (local.set $c10 (f32x4.relaxed_madd (local.get $s) (local.get $b0) (local.get $c10)))
          (local.set $c11 (f32x4.relaxed_madd (local.get $s) (local.get $b1) (local.get $c11)))
          (local.set $s (i8x16.shuffle 8 9 10 11 8 9 10 11 8 9 10 11 8 9 10 11 (local.get $a) (local.get $a)))
          (local.set $c20 (f32x4.relaxed_madd (local.get $s) (local.get $b0) (local.get $c20)))
          (local.set $c21 (f32x4.relaxed_madd (local.get $s) (local.get $b1) (local.get $c21)))
          (local.set $s (i8x16.shuffle 12 13 14 15 12 13 14 15 12 13 14 15 12 13 14 15 (local.get $a) (local.get $a)))
          (local.set $c30 (f32x4.relaxed_madd (local.get $s) (local.get $b0) (local.get $c30)))
          (local.set $c31 (f32x4.relaxed_madd (local.get $s) (local.get $b1) (local.get $c31)))
          (local.set $pp (i32.add (local.get $pp) (i32.const 16)))
          (local.set $bp (i32.add (local.get $bp) (i32.const 32)))
          (br_if $r4k (local.tee $k (i32.sub (local.get $k) (i32.const 1)))))
        (local.set $cp (i32.add (local.get $C)
          (i32.shl (i32.add (i32.mul (local.get $m) (local.get $N)) (local.get $nb)) (i32.const 2))))
        (local.set $rp (i32.add (local.get $R)
          (i32.shl (i32.add (i32.mul (local.get $m) (local.get $rs)) (local.get $nb)) (i32.const 2))))
        (local.set $s (f32x4.splat (local.get $floor)))
        (v128.store (local.get $cp)
          (f32x4.pmax (f32x4.add (v128.load (local.get $rp)) (local.get $c00)) (local.get $s)))
        (v128.store offset=16 (local.get $cp)
          (f32x4.pmax (f32x4.add (v128.load offset=16 (local.get $rp)) (local.get $c01)) (local.get $s)))
        (local.set $cp (i32.add (local.get $cp) (local.get $NB)))
        (local.set $rp (i32.add (local.get $rp) (local.get $rsB)))
        (v128.store (local.get $cp)
          (f32x4.pmax (f32x4.add (v128.load (local.get $rp)) (local.get $c10)) (local.get $s)))
        (v128.store offset=16 (local.get $cp)
          (f32x4.pmax (f32x4.add (v128.load offset=16 (local.get $rp)) (local.get $c11)) (local.get $s)))
        (local.set $cp (i32.add (local.get $cp) (local.get $NB)))
        (local.set $rp (i32.add (local.get $rp) (local.get $rsB)))
        (v128.store (local.get $cp)
          (f32x4.pmax (f32x4.add (v128.load (local.get $rp)) (local.get $c20)) (local.get $s)))
        (v128.store offset=16 (local.get $cp)
          (f32x4.pmax (f32x4.add (v128.load offset=16 (local.get $rp)) (local.get $c21)) (local.get $s)))
        (local.set $cp (i32.add (local.get $cp) (local.get $NB)))
        (local.set $rp (i32.add (local.get $rp) (local.get $rsB)))
        (v128.store (local.get $cp)
          (f32x4.pmax (f32x4.add (v128.load (local.get $rp)) (local.get $c30)) (local.get $s)))
        (v128.store offset=16 (local.get $cp)
          (f32x4.pmax (f32x4.add (v128.load offset=16 (local.get $rp)) (local.get $c31)) (local.get $s)))
        (br_if $r4cols
          (i32.lt_s (local.tee $nb (i32.add (local.get $nb) (i32.const 8))) (local.get $N))))
      (local.set $m (i32.add (local.get $m) (i32.const 4)))
      (br $r4)))
    ;; Blocks of 2 rows.
    (block $r2done (loop $r2
      (br_if $r2done (i32.gt_s (i32.add (local.get $m) (i32.const 2)) (local.get $M)))
      ;; PA[k·2 + r] = A(m + r, k)
      (local.set $ap (i32.add (local.get $A) (i32.mul (local.get $m) (local.get $samB))))
      (local.set $pp (local.get $PA))
      (local.set $k (local.get $K))
      (loop $r2pack
        (f32.store offset=0 (local.get $pp) (f32.load (local.get $ap)))
        (f32.store offset=4 (local.get $pp) (f32.load (i32.add (local.get $ap) (i32.mul (local.get $samB) (i32.const 1)))))
        (local.set $ap (i32.add (local.get $ap) (local.get $sakB)))
        (local.set $pp (i32.add (local.get $pp) (i32.const 8)))
        (br_if $r2pack (local.tee $k (i32.sub (local.get $k) (i32.const 1)))))
      (local.set $nb (i32.const 0))
      (loop $r2cols
        (local.set $c00 (v128.const i32x4 0 0 0 0))
        (local.set $c01 (v128.const i32x4 0 0 0 0))
        (local.set $c10 (v128.const i32x4 0 0 0 0))
        (local.set $c11 (v128.const i32x4 0 0 0 0))
        (local.set $pp (local.get $PA))
        (local.set $bp (i32.add (local.get $PB) (i32.mul (local.get $nb) (local.get $K4))))
        (local.set $k (local.get $K))
        (loop $r2k
          (local.set $b0 (v128.load (local.get $bp)))
          (local.set $b1 (v128.load offset=16 (local.get $bp)))
          (local.set $s (v128.load32_splat offset=0 (local.get $pp)))
          (local.set $c00 (f32x4.relaxed_madd (local.get $s) (local.get $b0) (local.get $c00)))
          (local.set $c01 (f32x4.relaxed_madd (local.get $s) (local.get $b1) (local.get $c01)))
          (local.set $s (v128.load32_splat offset=4 (local.get $pp)))
          (local.set $c10 (f32x4.relaxed_madd (local.get $s) (local.get $b0) (local.get $c10)))
          (local.set $c11 (f32x4.relaxed_madd (local.get $s) (local.get $b1) (local.get $c11)))
          (local.set $pp (i32.add (local.get $pp) (i32.const 8)))
          (local.set $bp (i32.add (local.get $bp) (i32.const 32)))
          (br_if $r2k (local.tee $k (i32.sub (local.get $k) (i32.const 1)))))
        (local.set $cp (i32.add (local.get $C)
          (i32.shl (i32.add (i32.mul (local.get $m) (local.get $N)) (local.get $nb)) (i32.const 2))))
        (local.set $rp (i32.add (local.get $R)
          (i32.shl (i32.add (i32.mul (local.get $m) (local.get $rs)) (local.get $nb)) (i32.const 2))))
        (local.set $s (f32x4.splat (local.get $floor)))
        (v128.store (local.get $cp)
          (f32x4.pmax (f32x4.add (v128.load (local.get $rp)) (local.get $c00)) (local.get $s)))
        (v128.store offset=16 (local.get $cp)
          (f32x4.pmax (f32x4.add (v128.load offset=16 (local.get $rp)) (local.get $c01)) (local.get $s)))
        (local.set $cp (i32.add (local.get $cp) (local.get $NB)))
        (local.set $rp (i32.add (local.get $rp) (local.get $rsB)))
        (v128.store (local.get $cp)
          (f32x4.pmax (f32x4.add (v128.load (local.get $rp)) (local.get $c10)) (local.get $s)))
        (v128.store offset=16 (local.get $cp)
          (f32x4.pmax (f32x4.add (v128.load offset=16 (local.get $rp)) (local.get $c11)) (local.get $s)))
        (br_if $r2cols
          (i32.lt_s (local.tee $nb (i32.add (local.get $nb) (i32.const 8))) (local.get $N))))
      (local.set $m (i32.add (local.get $m) (i32.const 2)))
      (br $r2)))
    ;; Blocks of 1 row.
    (block $r1done (loop $r1
      (br_if $r1done (i32.gt_s (i32.add (local.get $m) (i32.const 1)) (local.get $M)))
      ;; PA[k·1 + r] = A(m + r, k)
      (local.set $ap (i32.add (local.get $A) (i32.mul (local.get $m) (local.get $samB))))
      (local.set $pp (local.get $PA))
      (local.set $k (local.get $K))
      (loop $r1pack
        (f32.store offset=0 (local.get $pp) (f32.load (local.get $ap)))
        (local.set $ap (i32.add (local.get $ap) (local.get $sakB)))
        (local.set $pp (i32.add (local.get $pp) (i32.const 4)))
        (br_if $r1pack (local.tee $k (i32.sub (local.get $k) (i32.const 1)))))
      (local.set $nb (i32.const 0))
      (loop $r1cols
        (local.set $c00 (v128.const i32x4 0 0 0 0))
        (local.set $c01 (v128.const i32x4 0 0 0 0))
        (local.set $pp (local.get $PA))
        (local.set $bp (i32.add (local.get $PB) (i32.mul (local.get $nb) (local.get $K4))))
        (local.set $k (local.get $K))
        (loop $r1k
          (local.set $b0 (v128.load (local.get $bp)))
          (local.set $b1 (v128.load offset=16 (local.get $bp)))
          (local.set $s (v128.load32_splat offset=0 (local.get $pp)))
          (local.set $c00 (f32x4.relaxed_madd (local.get $s) (local.get $b0) (local.get $c00)))
          (local.set $c01 (f32x4.relaxed_madd (local.get $s) (local.get $b1) (local.get $c01)))
          (local.set $pp (i32.add (local.get $pp) (i32.const 4)))
          (local.set $bp (i32.add (local.get $bp) (i32.const 32)))
          (br_if $r1k (local.tee $k (i32.sub (local.get $k) (i32.const 1)))))
        (local.set $cp (i32.add (local.get $C)
          (i32.shl (i32.add (i32.mul (local.get $m) (local.get $N)) (local.get $nb)) (i32.const 2))))
        (local.set $rp (i32.add (local.get $R)
          (i32.shl (i32.add (i32.mul (local.get $m) (local.get $rs)) (local.get $nb)) (i32.const 2))))
        (local.set $s (f32x4.splat (local.get $floor)))
        (v128.store (local.get $cp)
          (f32x4.pmax (f32x4.add (v128.load (local.get $rp)) (local.get $c00)) (local.get $s)))
        (v128.store offset=16 (local.get $cp)
          (f32x4.pmax (f32x4.add (v128.load offset=16 (local.get $rp)) (local.get $c01)) (local.get $s)))
        (br_if $r1cols
          (i32.lt_s (local.tee $nb (i32.add (local.get $nb) (i32.const 8))) (local.get $N))))
      (local.set $m (i32.add (local.get $m) (i32.const 1)))
      (br $r1))))

  ;; Bias gradients: D[n] += Σ_m Y[m·N + n] for n < N, adding the rows in order (as the
  ;; JavaScript loop does, so the sums are the same), four columns at a time.
  (func (export "colsum") (param $Y i32) (param $M i32) (param $N i32) (param $D i32)
    (local $n i32) (local $m i32) (local $p i32) (local $d i32) (local $NB i32)
    (local $acc v128) (local $x f32)
    (local.set $NB (i32.shl (local.get $N) (i32.const 2)))
    (block $vdone (loop $v
      (br_if $vdone (i32.gt_s (i32.add (local.get $n) (i32.const 4)) (local.get $N)))
      (local.set $p (i32.add (local.get $Y) (i32.shl (local.get $n) (i32.const 2))))
      (local.set $d (i32.add (local.get $D) (i32.shl (local.get $n) (i32.const 2))))
      (local.set $acc (v128.load (local.get $d)))
      (local.set $m (local.get $M))
      (block $mdone (loop $ml
        (br_if $mdone (i32.le_s (local.get $m) (i32.const 0)))
        (local.set $acc (f32x4.add (local.get $acc) (v128.load (local.get $p))))
        (local.set $p (i32.add (local.get $p) (local.get $NB)))
        (local.set $m (i32.sub (local.get $m) (i32.const 1)))
        (br $ml)))
      (v128.store (local.get $d) (local.get $acc))
      (local.set $n (i32.add (local.get $n) (i32.const 4)))
      (br $v)))
    (block $sdone (loop $sl
      (br_if $sdone (i32.ge_s (local.get $n) (local.get $N)))
      (local.set $p (i32.add (local.get $Y) (i32.shl (local.get $n) (i32.const 2))))
      (local.set $d (i32.add (local.get $D) (i32.shl (local.get $n) (i32.const 2))))
      (local.set $x (f32.load (local.get $d)))
      (local.set $m (local.get $M))
      (block $mdone1 (loop $ml1
        (br_if $mdone1 (i32.le_s (local.get $m) (i32.const 0)))
        (local.set $x (f32.add (local.get $x) (f32.load (local.get $p))))
        (local.set $p (i32.add (local.get $p) (local.get $NB)))
        (local.set $m (i32.sub (local.get $m) (i32.const 1)))
        (br $ml1)))
      (f32.store (local.get $d) (local.get $x))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br $sl))))

;; ReLU backward: D[i] = 0 where Y[i] ≤ 0, for i < len (kept where Y is NaN, as in JavaScript).
  (func (export "relumask") (param $Y i32) (param $D i32) (param $len i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $D)
      (i32.shl (i32.and (local.get $len) (i32.const -4)) (i32.const 2))))
    (block $vdone (loop $v
      (br_if $vdone (i32.ge_u (local.get $D) (local.get $end)))
      (v128.store (local.get $D) (v128.andnot (v128.load (local.get $D))
        (f32x4.le (v128.load (local.get $Y)) (v128.const f32x4 0 0 0 0))))
      (local.set $D (i32.add (local.get $D) (i32.const 16)))
      (local.set $Y (i32.add (local.get $Y) (i32.const 16)))
      (br $v)))
    (local.set $end (i32.add (local.get $end)
      (i32.shl (i32.and (local.get $len) (i32.const 3)) (i32.const 2))))
    (block $sdone (loop $s
      (br_if $sdone (i32.ge_u (local.get $D) (local.get $end)))
      (if (f32.le (f32.load (local.get $Y)) (f32.const 0))
        (then (f32.store (local.get $D) (f32.const 0))))
      (local.set $D (i32.add (local.get $D) (i32.const 4)))
      (local.set $Y (i32.add (local.get $Y) (i32.const 4)))
      (br $s))))

  ;; Adam update of `len` float32 parameters in float64 arithmetic, operation for operation as
  ;; adam.ts's JavaScript loop (so the results are the same), two values per f64x2:
  ;;   gi = g·gs;  m = b1·m + a1·gi;  v = b2·v + (a2·gi)·gi;  w = w − (lr·m) / (√v + eps)
  ;; with m, v and w rounded to float32 when stored.
  ;; Σ_j X[j]·Y[j] for j < D in float32: four lanes, then the lanes summed, then the tail.
  (func $dot (param $X i32) (param $Y i32) (param $D4 i32) (result f32)
    (local $j i32) (local $end i32) (local $acc v128) (local $s f32) (local $xv v128) (local $yv v128)
    (local.set $end (i32.and (local.get $D4) (i32.const -16)))
    (block $vdone (loop $vl
      (br_if $vdone (i32.ge_u (local.get $j) (local.get $end)))
      (local.set $xv (v128.load (i32.add (local.get $X) (local.get $j))))
      (local.set $yv (v128.load (i32.add (local.get $Y) (local.get $j))))
      (local.set $acc (f32x4.relaxed_madd (local.get $xv) (local.get $yv) (local.get $acc)))
      (local.set $j (i32.add (local.get $j) (i32.const 16)))
      (br $vl)))
    (local.set $s (f32.add
      (f32.add (f32x4.extract_lane 0 (local.get $acc)) (f32x4.extract_lane 1 (local.get $acc)))
      (f32.add (f32x4.extract_lane 2 (local.get $acc)) (f32x4.extract_lane 3 (local.get $acc)))))
    (block $sdone (loop $sl
      (br_if $sdone (i32.ge_u (local.get $j) (local.get $D4)))
      (local.set $s (f32.add (local.get $s) (f32.mul (f32.load (i32.add (local.get $X) (local.get $j)))
        (f32.load (i32.add (local.get $Y) (local.get $j))))))
      (local.set $j (i32.add (local.get $j) (i32.const 4)))
      (br $sl)))
    (local.get $s))

  ;; DCN v1 cross layers in float32, four lanes at a time (cross.ts's JavaScript loops compute the
  ;; same in float64). Layer l reads x_l (X0, or XS + 4·(l−1)·n·D) and writes x_{l+1} at
  ;; XS + 4·l·n·D:
  ;;   s = Σ_j x_l[j]·w_l[j];  x_{l+1} = x0·(c·s) + b_l + keep·x_l;  DOTS[l·n + b] = s
  (func (export "crossfwd")
    (param $X0 i32) (param $XS i32) (param $DOTS i32) (param $W i32) (param $BIAS i32)
    (param $n i32) (param $D i32) (param $L i32) (param $c f64) (param $keep f64)
    (local $l i32) (local $b i32) (local $j i32) (local $D4 i32) (local $ND4 i32) (local $end i32)
    (local $xl i32) (local $next i32) (local $wp i32) (local $bp i32)
    (local $xr i32) (local $x0r i32) (local $nr i32) (local $s f32) (local $cs f32) (local $k f32)
    (local $CS v128) (local $K v128) (local $u v128) (local $v v128)
    (local.set $D4 (i32.shl (local.get $D) (i32.const 2)))
    (local.set $ND4 (i32.mul (local.get $n) (local.get $D4)))
    (local.set $end (i32.and (local.get $D4) (i32.const -16)))
    (local.set $k (f32.demote_f64 (local.get $keep)))
    (local.set $K (f32x4.splat (local.get $k)))
    (local.set $xl (local.get $X0))
    (block $ldone (loop $lloop
      (br_if $ldone (i32.ge_s (local.get $l) (local.get $L)))
      (local.set $next (i32.add (local.get $XS) (i32.mul (local.get $l) (local.get $ND4))))
      (local.set $wp (i32.add (local.get $W) (i32.mul (local.get $l) (local.get $D4))))
      (local.set $bp (i32.add (local.get $BIAS) (i32.mul (local.get $l) (local.get $D4))))
      (local.set $b (i32.const 0))
      (block $bdone (loop $bloop
        (br_if $bdone (i32.ge_s (local.get $b) (local.get $n)))
        (local.set $xr (i32.add (local.get $xl) (i32.mul (local.get $b) (local.get $D4))))
        (local.set $x0r (i32.add (local.get $X0) (i32.mul (local.get $b) (local.get $D4))))
        (local.set $nr (i32.add (local.get $next) (i32.mul (local.get $b) (local.get $D4))))
        (local.set $s (call $dot (local.get $xr) (local.get $wp) (local.get $D4)))
        (f32.store (i32.add (local.get $DOTS)
          (i32.shl (i32.add (i32.mul (local.get $l) (local.get $n)) (local.get $b)) (i32.const 2)))
          (local.get $s))
        (local.set $cs (f32.mul (f32.demote_f64 (local.get $c)) (local.get $s)))
        (local.set $CS (f32x4.splat (local.get $cs)))
        (local.set $j (i32.const 0))
        (block $udone (loop $uloop
          (br_if $udone (i32.ge_u (local.get $j) (local.get $end)))
          (local.set $u (v128.load (i32.add (local.get $xr) (local.get $j))))
          (local.set $v (v128.load (i32.add (local.get $bp) (local.get $j))))
          (local.set $v (f32x4.relaxed_madd (local.get $K) (local.get $u) (local.get $v)))
          (local.set $u (v128.load (i32.add (local.get $x0r) (local.get $j))))
          (v128.store (i32.add (local.get $nr) (local.get $j))
            (f32x4.relaxed_madd (local.get $u) (local.get $CS) (local.get $v)))
          (local.set $j (i32.add (local.get $j) (i32.const 16)))
          (br $uloop)))
        (block $tdone (loop $tloop
          (br_if $tdone (i32.ge_u (local.get $j) (local.get $D4)))
          (f32.store (i32.add (local.get $nr) (local.get $j)) (f32.add
            (f32.mul (f32.load (i32.add (local.get $x0r) (local.get $j))) (local.get $cs))
            (f32.add (f32.mul (local.get $k) (f32.load (i32.add (local.get $xr) (local.get $j))))
              (f32.load (i32.add (local.get $bp) (local.get $j))))))
          (local.set $j (i32.add (local.get $j) (i32.const 4)))
          (br $tloop)))
        (local.set $b (i32.add (local.get $b) (i32.const 1)))
        (br $bloop)))
      (local.set $xl (local.get $next))
      (local.set $l (i32.add (local.get $l) (i32.const 1)))
      (br $lloop))))

  ;; Backward of crossfwd, layer L−1 down to 0, sample by sample. G holds dL/dx_L (n·D) and GP
  ;; is as large; DX0 (zeroed by the caller) receives dL/dx0. Per layer and sample, in float32:
  ;;   ds = c·Σ_j g[j]·x0[j];  dx0 += (c·s)·g;  db += g;  dw += ds·x_l;  g' = keep·g + ds·w
  ;; and at the end dx0 += g. s is the dot stored by crossfwd.
  (func (export "crossbwd")
    (param $X0 i32) (param $XS i32) (param $DOTS i32) (param $W i32) (param $DW i32)
    (param $DB i32) (param $G i32) (param $GP i32) (param $DX0 i32)
    (param $n i32) (param $D i32) (param $L i32) (param $c f64) (param $keep f64)
    (local $l i32) (local $b i32) (local $j i32) (local $D4 i32) (local $ND4 i32) (local $end i32)
    (local $xl i32) (local $wp i32) (local $dwp i32) (local $dbp i32) (local $t i32)
    (local $gr i32) (local $gpr i32) (local $x0r i32) (local $xr i32) (local $dxr i32) (local $a i32)
    (local $ds f32) (local $cs f32) (local $k f32) (local $cf f32) (local $gs f32)
    (local $g v128) (local $CS v128) (local $DS v128) (local $K v128) (local $u v128)
    (local.set $D4 (i32.shl (local.get $D) (i32.const 2)))
    (local.set $ND4 (i32.mul (local.get $n) (local.get $D4)))
    (local.set $end (i32.and (local.get $D4) (i32.const -16)))
    (local.set $k (f32.demote_f64 (local.get $keep)))
    (local.set $cf (f32.demote_f64 (local.get $c)))
    (local.set $K (f32x4.splat (local.get $k)))
    (local.set $l (i32.sub (local.get $L) (i32.const 1)))
    (block $ldone (loop $lloop
      (br_if $ldone (i32.lt_s (local.get $l) (i32.const 0)))
      (local.set $xl (if (result i32) (i32.eqz (local.get $l))
        (then (local.get $X0))
        (else (i32.add (local.get $XS)
          (i32.mul (i32.sub (local.get $l) (i32.const 1)) (local.get $ND4))))))
      (local.set $wp (i32.add (local.get $W) (i32.mul (local.get $l) (local.get $D4))))
      (local.set $dwp (i32.add (local.get $DW) (i32.mul (local.get $l) (local.get $D4))))
      (local.set $dbp (i32.add (local.get $DB) (i32.mul (local.get $l) (local.get $D4))))
      (local.set $b (i32.const 0))
      (block $bdone (loop $bloop
        (br_if $bdone (i32.ge_s (local.get $b) (local.get $n)))
        (local.set $t (i32.mul (local.get $b) (local.get $D4)))
        (local.set $gr (i32.add (local.get $G) (local.get $t)))
        (local.set $gpr (i32.add (local.get $GP) (local.get $t)))
        (local.set $x0r (i32.add (local.get $X0) (local.get $t)))
        (local.set $xr (i32.add (local.get $xl) (local.get $t)))
        (local.set $dxr (i32.add (local.get $DX0) (local.get $t)))
        (local.set $cs (f32.mul (local.get $cf) (f32.load (i32.add (local.get $DOTS)
          (i32.shl (i32.add (i32.mul (local.get $l) (local.get $n)) (local.get $b)) (i32.const 2))))))
        (local.set $ds (f32.mul (local.get $cf)
          (call $dot (local.get $gr) (local.get $x0r) (local.get $D4))))
        (local.set $CS (f32x4.splat (local.get $cs)))
        (local.set $DS (f32x4.splat (local.get $ds)))
        (local.set $j (i32.const 0))
        (block $vdone (loop $vloop
          (br_if $vdone (i32.ge_u (local.get $j) (local.get $end)))
          (local.set $g (v128.load (i32.add (local.get $gr) (local.get $j))))
          (local.set $a (i32.add (local.get $dxr) (local.get $j)))
          (v128.store (local.get $a)
            (f32x4.relaxed_madd (local.get $CS) (local.get $g) (v128.load (local.get $a))))
          (local.set $a (i32.add (local.get $dbp) (local.get $j)))
          (v128.store (local.get $a) (f32x4.add (v128.load (local.get $a)) (local.get $g)))
          (local.set $a (i32.add (local.get $dwp) (local.get $j)))
          (local.set $u (v128.load (i32.add (local.get $xr) (local.get $j))))
          (v128.store (local.get $a)
            (f32x4.relaxed_madd (local.get $DS) (local.get $u) (v128.load (local.get $a))))
          (local.set $u (v128.load (i32.add (local.get $wp) (local.get $j))))
          (v128.store (i32.add (local.get $gpr) (local.get $j))
            (f32x4.relaxed_madd (local.get $DS) (local.get $u) (f32x4.mul (local.get $K) (local.get $g))))
          (local.set $j (i32.add (local.get $j) (i32.const 16)))
          (br $vloop)))
        (block $sdone (loop $sloop
          (br_if $sdone (i32.ge_u (local.get $j) (local.get $D4)))
          (local.set $gs (f32.load (i32.add (local.get $gr) (local.get $j))))
          (local.set $a (i32.add (local.get $dxr) (local.get $j)))
          (f32.store (local.get $a) (f32.add (f32.load (local.get $a))
            (f32.mul (local.get $cs) (local.get $gs))))
          (local.set $a (i32.add (local.get $dbp) (local.get $j)))
          (f32.store (local.get $a) (f32.add (f32.load (local.get $a)) (local.get $gs)))
          (local.set $a (i32.add (local.get $dwp) (local.get $j)))
          (f32.store (local.get $a) (f32.add (f32.load (local.get $a))
            (f32.mul (local.get $ds) (f32.load (i32.add (local.get $xr) (local.get $j))))))
          (f32.store (i32.add (local.get $gpr) (local.get $j)) (f32.add
            (f32.mul (local.get $k) (local.get $gs))
            (f32.mul (local.get $ds) (f32.load (i32.add (local.get $wp) (local.get $j))))))
          (local.set $j (i32.add (local.get $j) (i32.const 4)))
          (br $sloop)))
        (local.set $b (i32.add (local.get $b) (i32.const 1)))
        (br $bloop)))
      (local.set $t (local.get $G))
      (local.set $G (local.get $GP))
      (local.set $GP (local.get $t))
      (local.set $l (i32.sub (local.get $l) (i32.const 1)))
      (br $lloop)))
    ;; dx0 += g, g being dL/dx0 through the x_l chain.
    (local.set $j (i32.const 0))
    (local.set $end (i32.and (local.get $ND4) (i32.const -16)))
    (block $fdone (loop $floop
      (br_if $fdone (i32.ge_s (local.get $j) (local.get $end)))
      (local.set $a (i32.add (local.get $DX0) (local.get $j)))
      (v128.store (local.get $a) (f32x4.add (v128.load (local.get $a))
        (v128.load (i32.add (local.get $G) (local.get $j)))))
      (local.set $j (i32.add (local.get $j) (i32.const 16)))
      (br $floop)))
    (block $tdone (loop $tloop
      (br_if $tdone (i32.ge_s (local.get $j) (local.get $ND4)))
      (local.set $a (i32.add (local.get $DX0) (local.get $j)))
      (f32.store (local.get $a) (f32.add (f32.load (local.get $a))
        (f32.load (i32.add (local.get $G) (local.get $j)))))
      (local.set $j (i32.add (local.get $j) (i32.const 4)))
      (br $tloop))))

    ;; Per-sample score matrices of self-attention: for every sample b and fields i, j,
  ;;   S[b·sStride + i·F + j] = Σ_c X[(b·F + i)·O + c] · Y[(b·F + j)·O + c],  c < dk (dk % 4 = 0).
  (func (export "rowdots")
    (param $X i32) (param $Y i32) (param $S i32) (param $n i32) (param $F i32) (param $O i32)
    (param $dk i32) (param $sStride i32)
    (local $b i32) (local $i i32) (local $j i32) (local $c i32)
    (local $xp i32) (local $yp i32) (local $xrow i32) (local $sp i32) (local $acc v128)
    (block $bdone (loop $bloop
      (br_if $bdone (i32.ge_s (local.get $b) (local.get $n)))
      (local.set $i (i32.const 0))
      (block $idone (loop $iloop
        (br_if $idone (i32.ge_s (local.get $i) (local.get $F)))
        (local.set $xrow (i32.add (local.get $X) (i32.shl
          (i32.mul (i32.add (i32.mul (local.get $b) (local.get $F)) (local.get $i)) (local.get $O))
          (i32.const 2))))
        (local.set $j (i32.const 0))
        (block $jdone (loop $jloop
          (br_if $jdone (i32.ge_s (local.get $j) (local.get $F)))
          (local.set $xp (local.get $xrow))
          (local.set $yp (i32.add (local.get $Y) (i32.shl
            (i32.mul (i32.add (i32.mul (local.get $b) (local.get $F)) (local.get $j)) (local.get $O))
            (i32.const 2))))
          (local.set $acc (v128.const i32x4 0 0 0 0))
          (local.set $c (i32.const 0))
          (block $cdone (loop $cloop
            (br_if $cdone (i32.ge_s (local.get $c) (local.get $dk)))
            (local.set $acc (f32x4.relaxed_madd
              (v128.load (local.get $xp)) (v128.load (local.get $yp)) (local.get $acc)))
            (local.set $xp (i32.add (local.get $xp) (i32.const 16)))
            (local.set $yp (i32.add (local.get $yp) (i32.const 16)))
            (local.set $c (i32.add (local.get $c) (i32.const 4)))
            (br $cloop)))
          (local.set $sp (i32.add (local.get $S) (i32.shl
            (i32.add (i32.mul (local.get $b) (local.get $sStride))
              (i32.add (i32.mul (local.get $i) (local.get $F)) (local.get $j)))
            (i32.const 2))))
          (f32.store (local.get $sp)
            (f32.add
              (f32.add (f32x4.extract_lane 0 (local.get $acc)) (f32x4.extract_lane 1 (local.get $acc)))
              (f32.add (f32x4.extract_lane 2 (local.get $acc)) (f32x4.extract_lane 3 (local.get $acc)))))
          (local.set $j (i32.add (local.get $j) (i32.const 1)))
          (br $jloop)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $iloop)))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $bloop))))

  ;; Per-sample weighted row sums of self-attention: for every sample b and field i,
  ;;   Z[(b·F + i)·O + c] += Σ_j P[b·pStride + i·pi + j·pj] · Y[(b·F + j)·O + c],  c < dk.
  ;; (pi, pj) = (F, 1) uses P as stored, (1, F) uses its transpose.
  (func (export "rowaxpy")
    (param $P i32) (param $pi i32) (param $pj i32) (param $Y i32) (param $Z i32) (param $n i32)
    (param $F i32) (param $O i32) (param $dk i32) (param $pStride i32)
    (local $b i32) (local $i i32) (local $j i32) (local $c i32)
    (local $zrow i32) (local $zp i32) (local $yp i32) (local $w v128)
    (block $bdone (loop $bloop
      (br_if $bdone (i32.ge_s (local.get $b) (local.get $n)))
      (local.set $i (i32.const 0))
      (block $idone (loop $iloop
        (br_if $idone (i32.ge_s (local.get $i) (local.get $F)))
        (local.set $zrow (i32.add (local.get $Z) (i32.shl
          (i32.mul (i32.add (i32.mul (local.get $b) (local.get $F)) (local.get $i)) (local.get $O))
          (i32.const 2))))
        (local.set $j (i32.const 0))
        (block $jdone (loop $jloop
          (br_if $jdone (i32.ge_s (local.get $j) (local.get $F)))
          (local.set $w (v128.load32_splat (i32.add (local.get $P) (i32.shl
            (i32.add (i32.mul (local.get $b) (local.get $pStride))
              (i32.add (i32.mul (local.get $i) (local.get $pi)) (i32.mul (local.get $j) (local.get $pj))))
            (i32.const 2)))))
          (local.set $zp (local.get $zrow))
          (local.set $yp (i32.add (local.get $Y) (i32.shl
            (i32.mul (i32.add (i32.mul (local.get $b) (local.get $F)) (local.get $j)) (local.get $O))
            (i32.const 2))))
          (local.set $c (i32.const 0))
          (block $cdone (loop $cloop
            (br_if $cdone (i32.ge_s (local.get $c) (local.get $dk)))
            (v128.store (local.get $zp) (f32x4.relaxed_madd
              (local.get $w) (v128.load (local.get $yp)) (v128.load (local.get $zp))))
            (local.set $zp (i32.add (local.get $zp) (i32.const 16)))
            (local.set $yp (i32.add (local.get $yp) (i32.const 16)))
            (local.set $c (i32.add (local.get $c) (i32.const 4)))
            (br $cloop)))
          (local.set $j (i32.add (local.get $j) (i32.const 1)))
          (br $jloop)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $iloop)))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $bloop))))
)
