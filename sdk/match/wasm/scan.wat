;; Scan kernels for sdk/match, WebAssembly SIMD (f32x4). Compiled by scripts/build-wasm.sh
;; (wabt's wat2wasm) into scan-wasm.ts; the .wat is the source of truth.
;; out[r] = dot(row r, query) for r < count. dim must be a multiple of 32 for int8 (512, 128, ...)
;; and of 16 for float32.
;; All pointers are byte offsets into the exported memory; addresses are unsigned (up to 4 GiB).
(module
  (memory (export "memory") 1 65536)

  (func (export "scan_f32") (param $rows i32) (param $count i32) (param $dim i32) (param $q i32) (param $out i32)
    (local $r i32) (local $p i32) (local $qp i32) (local $end i32)
    (local $a v128) (local $b v128) (local $c v128) (local $d v128)
    (local.set $p (local.get $rows))
    (block $done
      (loop $row
        (br_if $done (i32.ge_u (local.get $r) (local.get $count)))
        (local.set $a (v128.const i32x4 0 0 0 0))
        (local.set $b (v128.const i32x4 0 0 0 0))
        (local.set $c (v128.const i32x4 0 0 0 0))
        (local.set $d (v128.const i32x4 0 0 0 0))
        (local.set $qp (local.get $q))
        (local.set $end (i32.add (local.get $p) (i32.shl (local.get $dim) (i32.const 2))))
        (loop $inner
          (local.set $a (f32x4.add (local.get $a) (f32x4.mul (v128.load (local.get $p)) (v128.load (local.get $qp)))))
          (local.set $b (f32x4.add (local.get $b) (f32x4.mul (v128.load offset=16 (local.get $p)) (v128.load offset=16 (local.get $qp)))))
          (local.set $c (f32x4.add (local.get $c) (f32x4.mul (v128.load offset=32 (local.get $p)) (v128.load offset=32 (local.get $qp)))))
          (local.set $d (f32x4.add (local.get $d) (f32x4.mul (v128.load offset=48 (local.get $p)) (v128.load offset=48 (local.get $qp)))))
          (local.set $p (i32.add (local.get $p) (i32.const 64)))
          (local.set $qp (i32.add (local.get $qp) (i32.const 64)))
          (br_if $inner (i32.lt_u (local.get $p) (local.get $end))))
        (local.set $a (f32x4.add (f32x4.add (local.get $a) (local.get $b)) (f32x4.add (local.get $c) (local.get $d))))
        (f32.store (i32.add (local.get $out) (i32.shl (local.get $r) (i32.const 2)))
          (f32.add
            (f32.add (f32x4.extract_lane 0 (local.get $a)) (f32x4.extract_lane 1 (local.get $a)))
            (f32.add (f32x4.extract_lane 2 (local.get $a)) (f32x4.extract_lane 3 (local.get $a)))))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $row))))

  ;; int8 rows with a float32 scale per row at $scales, against an int16 query at $q (the float
  ;; query quantised with one scale, $qscale; wasm-arena.ts): out[r] = scale[r] * qscale * dot.
  ;; Integer multiply-adds (i32x4.dot_i16x8_s) do in 9 instructions per 16 bytes what the float
  ;; path did in ~20 (widen to f32, multiply, add), so the scan runs near memory speed. Lane sums
  ;; stay exact in i32 because the caller caps the query's magnitude for the dimension.
  (func (export "scan_i8") (param $rows i32) (param $scales i32) (param $count i32) (param $dim i32) (param $q i32) (param $out i32) (param $qscale f32)
    (local $r i32) (local $p i32) (local $qp i32) (local $end i32) (local $v v128) (local $u v128)
    (local $a v128) (local $b v128) (local $c v128) (local $d v128)
    (local.set $p (local.get $rows))
    (block $done
      (loop $row
        (br_if $done (i32.ge_u (local.get $r) (local.get $count)))
        (local.set $a (v128.const i32x4 0 0 0 0))
        (local.set $b (v128.const i32x4 0 0 0 0))
        (local.set $c (v128.const i32x4 0 0 0 0))
        (local.set $d (v128.const i32x4 0 0 0 0))
        (local.set $qp (local.get $q))
        (local.set $end (i32.add (local.get $p) (local.get $dim)))
        (loop $inner
          (local.set $v (v128.load (local.get $p)))
          (local.set $u (v128.load offset=16 (local.get $p)))
          (local.set $a (i32x4.add (local.get $a) (i32x4.dot_i16x8_s (i16x8.extend_low_i8x16_s (local.get $v)) (v128.load (local.get $qp)))))
          (local.set $b (i32x4.add (local.get $b) (i32x4.dot_i16x8_s (i16x8.extend_high_i8x16_s (local.get $v)) (v128.load offset=16 (local.get $qp)))))
          (local.set $c (i32x4.add (local.get $c) (i32x4.dot_i16x8_s (i16x8.extend_low_i8x16_s (local.get $u)) (v128.load offset=32 (local.get $qp)))))
          (local.set $d (i32x4.add (local.get $d) (i32x4.dot_i16x8_s (i16x8.extend_high_i8x16_s (local.get $u)) (v128.load offset=48 (local.get $qp)))))
          (local.set $p (i32.add (local.get $p) (i32.const 32)))
          (local.set $qp (i32.add (local.get $qp) (i32.const 64)))
          (br_if $inner (i32.lt_u (local.get $p) (local.get $end))))
        ;; Lanes to float before the last additions: each lane is exact, their sum might not fit i32.
        (local.set $a (f32x4.add
          (f32x4.add (f32x4.convert_i32x4_s (local.get $a)) (f32x4.convert_i32x4_s (local.get $b)))
          (f32x4.add (f32x4.convert_i32x4_s (local.get $c)) (f32x4.convert_i32x4_s (local.get $d)))))
        (f32.store (i32.add (local.get $out) (i32.shl (local.get $r) (i32.const 2)))
          (f32.mul
            (f32.mul (f32.load (i32.add (local.get $scales) (i32.shl (local.get $r) (i32.const 2)))) (local.get $qscale))
            (f32.add
              (f32.add (f32x4.extract_lane 0 (local.get $a)) (f32x4.extract_lane 1 (local.get $a)))
              (f32.add (f32x4.extract_lane 2 (local.get $a)) (f32x4.extract_lane 3 (local.get $a))))))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $row))))
)
