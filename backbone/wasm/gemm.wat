;; SIMD GEMM kernel for the backbone (f32, WebAssembly SIMD128).
;;
;;   C[M×N] += Σ_k A(m, k) · B[k, 0..N)        A(m, k) = f32 at A + 4·(m·sam + k·sak)
;;
;; B and C are row-major with N a multiple of 8. Rows of C are done four at a time and columns
;; eight at a time, so each step of k loads two B vectors and four A scalars for 32
;; multiply-adds held in eight v128 accumulators. Strided A covers all three products of a
;; linear layer (x·Wᵀ with B = Wᵀ, dY·W, and dYᵀ·X with sam = 1, sak = O).
;; rowdots / rowaxpy below are AutoInt's per-sample attention products.
;; Build: deno run -A backbone/wasm/build.ts (needs `npx -p wabt wat2wasm`).
(module
  (memory (export "memory") 1)
  (func (export "gemm")
    (param $A i32) (param $sam i32) (param $sak i32) (param $B i32) (param $C i32)
    (param $M i32) (param $K i32) (param $N i32)
    (local $m i32) (local $nb i32) (local $k i32) (local $sakB i32) (local $NB i32)
    (local $a0 i32) (local $a1 i32) (local $a2 i32) (local $a3 i32) (local $bp i32) (local $cp i32)
    (local $c00 v128) (local $c01 v128) (local $c10 v128) (local $c11 v128)
    (local $c20 v128) (local $c21 v128) (local $c30 v128) (local $c31 v128)
    (local $b0 v128) (local $b1 v128) (local $s v128)
    (local.set $sakB (i32.shl (local.get $sak) (i32.const 2)))
    (local.set $NB (i32.shl (local.get $N) (i32.const 2)))
    ;; Blocks of four rows.
    (block $rows4done
      (loop $rows4
        (br_if $rows4done (i32.gt_s (i32.add (local.get $m) (i32.const 4)) (local.get $M)))
        (local.set $nb (i32.const 0))
        (block $colsdone
          (loop $cols
            (br_if $colsdone (i32.ge_s (local.get $nb) (local.get $N)))
            (local.set $c00 (v128.const i32x4 0 0 0 0))
            (local.set $c01 (v128.const i32x4 0 0 0 0))
            (local.set $c10 (v128.const i32x4 0 0 0 0))
            (local.set $c11 (v128.const i32x4 0 0 0 0))
            (local.set $c20 (v128.const i32x4 0 0 0 0))
            (local.set $c21 (v128.const i32x4 0 0 0 0))
            (local.set $c30 (v128.const i32x4 0 0 0 0))
            (local.set $c31 (v128.const i32x4 0 0 0 0))
            (local.set $a0 (i32.add (local.get $A)
              (i32.shl (i32.mul (local.get $m) (local.get $sam)) (i32.const 2))))
            (local.set $a1 (i32.add (local.get $a0) (i32.shl (local.get $sam) (i32.const 2))))
            (local.set $a2 (i32.add (local.get $a1) (i32.shl (local.get $sam) (i32.const 2))))
            (local.set $a3 (i32.add (local.get $a2) (i32.shl (local.get $sam) (i32.const 2))))
            (local.set $bp (i32.add (local.get $B) (i32.shl (local.get $nb) (i32.const 2))))
            (local.set $k (local.get $K))
            (block $kdone
              (loop $kloop
                (br_if $kdone (i32.le_s (local.get $k) (i32.const 0)))
                (local.set $b0 (v128.load (local.get $bp)))
                (local.set $b1 (v128.load offset=16 (local.get $bp)))
                (local.set $s (v128.load32_splat (local.get $a0)))
                (local.set $c00 (f32x4.add (local.get $c00) (f32x4.mul (local.get $s) (local.get $b0))))
                (local.set $c01 (f32x4.add (local.get $c01) (f32x4.mul (local.get $s) (local.get $b1))))
                (local.set $s (v128.load32_splat (local.get $a1)))
                (local.set $c10 (f32x4.add (local.get $c10) (f32x4.mul (local.get $s) (local.get $b0))))
                (local.set $c11 (f32x4.add (local.get $c11) (f32x4.mul (local.get $s) (local.get $b1))))
                (local.set $s (v128.load32_splat (local.get $a2)))
                (local.set $c20 (f32x4.add (local.get $c20) (f32x4.mul (local.get $s) (local.get $b0))))
                (local.set $c21 (f32x4.add (local.get $c21) (f32x4.mul (local.get $s) (local.get $b1))))
                (local.set $s (v128.load32_splat (local.get $a3)))
                (local.set $c30 (f32x4.add (local.get $c30) (f32x4.mul (local.get $s) (local.get $b0))))
                (local.set $c31 (f32x4.add (local.get $c31) (f32x4.mul (local.get $s) (local.get $b1))))
                (local.set $a0 (i32.add (local.get $a0) (local.get $sakB)))
                (local.set $a1 (i32.add (local.get $a1) (local.get $sakB)))
                (local.set $a2 (i32.add (local.get $a2) (local.get $sakB)))
                (local.set $a3 (i32.add (local.get $a3) (local.get $sakB)))
                (local.set $bp (i32.add (local.get $bp) (local.get $NB)))
                (local.set $k (i32.sub (local.get $k) (i32.const 1)))
                (br $kloop)))
            ;; C rows m..m+3, columns nb..nb+7 += accumulators.
            (local.set $cp (i32.add (local.get $C)
              (i32.shl (i32.add (i32.mul (local.get $m) (local.get $N)) (local.get $nb)) (i32.const 2))))
            (v128.store (local.get $cp) (f32x4.add (v128.load (local.get $cp)) (local.get $c00)))
            (v128.store offset=16 (local.get $cp) (f32x4.add (v128.load offset=16 (local.get $cp)) (local.get $c01)))
            (local.set $cp (i32.add (local.get $cp) (local.get $NB)))
            (v128.store (local.get $cp) (f32x4.add (v128.load (local.get $cp)) (local.get $c10)))
            (v128.store offset=16 (local.get $cp) (f32x4.add (v128.load offset=16 (local.get $cp)) (local.get $c11)))
            (local.set $cp (i32.add (local.get $cp) (local.get $NB)))
            (v128.store (local.get $cp) (f32x4.add (v128.load (local.get $cp)) (local.get $c20)))
            (v128.store offset=16 (local.get $cp) (f32x4.add (v128.load offset=16 (local.get $cp)) (local.get $c21)))
            (local.set $cp (i32.add (local.get $cp) (local.get $NB)))
            (v128.store (local.get $cp) (f32x4.add (v128.load (local.get $cp)) (local.get $c30)))
            (v128.store offset=16 (local.get $cp) (f32x4.add (v128.load offset=16 (local.get $cp)) (local.get $c31)))
            (local.set $nb (i32.add (local.get $nb) (i32.const 8)))
            (br $cols)))
        (local.set $m (i32.add (local.get $m) (i32.const 4)))
        (br $rows4)))
    ;; Remaining rows one at a time.
    (block $rowsdone
      (loop $rows
        (br_if $rowsdone (i32.ge_s (local.get $m) (local.get $M)))
        (local.set $nb (i32.const 0))
        (block $colsdone1
          (loop $cols1
            (br_if $colsdone1 (i32.ge_s (local.get $nb) (local.get $N)))
            (local.set $c00 (v128.const i32x4 0 0 0 0))
            (local.set $c01 (v128.const i32x4 0 0 0 0))
            (local.set $a0 (i32.add (local.get $A)
              (i32.shl (i32.mul (local.get $m) (local.get $sam)) (i32.const 2))))
            (local.set $bp (i32.add (local.get $B) (i32.shl (local.get $nb) (i32.const 2))))
            (local.set $k (local.get $K))
            (block $kdone1
              (loop $kloop1
                (br_if $kdone1 (i32.le_s (local.get $k) (i32.const 0)))
                (local.set $s (v128.load32_splat (local.get $a0)))
                (local.set $c00 (f32x4.add (local.get $c00) (f32x4.mul (local.get $s) (v128.load (local.get $bp)))))
                (local.set $c01 (f32x4.add (local.get $c01) (f32x4.mul (local.get $s) (v128.load offset=16 (local.get $bp)))))
                (local.set $a0 (i32.add (local.get $a0) (local.get $sakB)))
                (local.set $bp (i32.add (local.get $bp) (local.get $NB)))
                (local.set $k (i32.sub (local.get $k) (i32.const 1)))
                (br $kloop1)))
            (local.set $cp (i32.add (local.get $C)
              (i32.shl (i32.add (i32.mul (local.get $m) (local.get $N)) (local.get $nb)) (i32.const 2))))
            (v128.store (local.get $cp) (f32x4.add (v128.load (local.get $cp)) (local.get $c00)))
            (v128.store offset=16 (local.get $cp) (f32x4.add (v128.load offset=16 (local.get $cp)) (local.get $c01)))
            (local.set $nb (i32.add (local.get $nb) (i32.const 8)))
            (br $cols1)))
        (local.set $m (i32.add (local.get $m) (i32.const 1)))
        (br $rows))))

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
            (local.set $acc (f32x4.add (local.get $acc)
              (f32x4.mul (v128.load (local.get $xp)) (v128.load (local.get $yp)))))
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
            (v128.store (local.get $zp) (f32x4.add (v128.load (local.get $zp))
              (f32x4.mul (local.get $w) (v128.load (local.get $yp)))))
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
