/**
 * A generic 3D head for pose fitting: 14 points of the anthropometric 3D face model of
 * P. Martins and J. Batista, "Accurate single view model-based head pose estimation", IEEE
 * Automatic Face & Gesture Recognition 2008 (ISR, University of Coimbra; published as
 * glAnthropometric3DModel.cpp, vertices 33, 29, 34, 38, 13, 17, 25, 21, 55, 49, 43, 39, 45, 6),
 * the mean-shape coordinates that the widely used dlib/68-point solvePnP head-pose recipes take.
 * Units are centimetres.
 *
 * The published axes are x towards the subject's right (image left), y up, z towards the
 * camera; here they are converted once to the camera frame used everywhere in this folder:
 * x image right, y image down, z away from the camera (a right-handed frame, OpenCV's).
 */

/** iBUG 300-W 68-point indices (0-based) of the model points, in the same order as HEAD_MODEL_CM. */
export const HEAD_MODEL_IBUG68 = [17, 21, 22, 26, 36, 39, 42, 45, 31, 35, 48, 54, 57, 8] as const;

// As published (x image-left, y up, z towards the camera).
const PUBLISHED: readonly (readonly [number, number, number])[] = [
  [6.825897, 6.760612, 4.402142], // outer end of the brow on the image left (iBUG 17)
  [1.330353, 7.122144, 6.903745], // inner end of that brow (21)
  [-1.330353, 7.122144, 6.903745], // inner end of the other brow (22)
  [-6.825897, 6.760612, 4.402142], // outer end of the other brow (26)
  [5.311432, 5.485328, 3.987654], // outer corner of the image-left eye (36)
  [1.78993, 5.393625, 4.413414], // its inner corner (39)
  [-1.78993, 5.393625, 4.413414], // inner corner of the image-right eye (42)
  [-5.311432, 5.485328, 3.987654], // its outer corner (45)
  [2.005628, 1.409845, 6.165652], // image-left nostril wing (31)
  [-2.005628, 1.409845, 6.165652], // image-right nostril wing (35)
  [2.774015, -2.080775, 5.048531], // image-left mouth corner (48)
  [-2.774015, -2.080775, 5.048531], // image-right mouth corner (54)
  [0, -3.116408, 6.097667], // lower lip centre (57)
  [0, -7.415691, 4.070434], // chin (8)
];

/** The model in the camera frame (x right, y down, z away), centred on its centroid. */
export const HEAD_MODEL_CM: readonly (readonly [number, number, number])[] = (() => {
  const pts = PUBLISHED.map(([x, y, z]) => [-x, -y, -z] as const);
  const c = [0, 1, 2].map((k) => pts.reduce((s, p) => s + p[k]!, 0) / pts.length);
  return pts.map((p) => [p[0] - c[0]!, p[1] - c[1]!, p[2] - c[2]!] as const);
})();
