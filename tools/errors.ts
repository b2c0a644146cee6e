/**
 * The error codes the host CLI owns: setup, quantize, flash, training and talking to devices.
 * The CLI also throws the SDK's codes (sdk/errors.ts) and reads the agent's from device
 * replies; docs/errors.md lists all of them. tools/arcedge.ts imports this file, so a code
 * thrown without a site fix gets the fix below.
 */
import { declareErrorCodes } from '../sdk/internal.ts';

export const TOOLS_ERROR_CODES = declareErrorCodes('tools', {
  // arcedge setup
  OPENCV_BUILD_FAILED: {
    meaning: '`arcedge setup` could not compile the OpenCV binding, or the result does not load',
    fix: 'read the setup.log the message names (a missing header or compiler is the usual cause), fix it and run `npx arcedge setup` again',
  },
  // quantization (arcedge quantize)
  MODEL_UNREADABLE: { meaning: 'a file given as an ONNX model does not decode as one (not protobuf, or no graph)', fix: 'pass the .onnx file your framework exported; check that the copy is complete' },
  CALIBRATION_EMPTY: { meaning: 'the calibration folder holds no image files', fix: 'point --calib at a folder of face photos (JPEG/PNG), 50-500 of the faces the model will see' },
  CALIBRATION_NO_FACES: { meaning: 'no face was found in any calibration image', fix: 'use photos with visible faces (or aligned 112x112 crops); check the detector set with `arcedge demo <folder>`' },
  QUANTIZE_UNSUPPORTED: { meaning: 'the model uses a construct the quantizer cannot rewrite safely (e.g. an op whose schema changed below opset 13)', fix: 're-export the model at opset 13 or newer, or keep the named nodes in float (--keep-float)' },
  // arcedge flash (installing the agent on a device over SSH)
  DEVICE_UNREACHABLE: { meaning: 'ssh to the device failed: no connection, authentication refused, or an unknown or changed host key', fix: 'check that `ssh <user@device> true` works without a prompt (a key via ssh-copy-id or ssh-agent; the host key in known_hosts)' },
  DEVICE_NODE_MISSING: { meaning: 'the device has no Node.js on the PATH an ssh session sees, or one older than arcedge needs', fix: 'install Node.js >= 20.15 on the device, or pass --node <path on the device>' },
  DEVICE_OPENCV_MISSING: { meaning: 'the device has no OpenCV shared libraries to build or load the OpenCV binding against', fix: 'install OpenCV on the device: `sudo apt-get install -y libopencv-dev build-essential python3` (JetPack ships its own build)' },
  DEVICE_DISK_FULL: { meaning: 'the device has too little free space where the agent would be installed', fix: 'free space on the device (`df -h`), or install elsewhere with --dir' },
  DEVICE_INSTALL_FAILED: { meaning: 'a step of the install on the device failed (native build, OpenCV setup, npm)', fix: 'read the install output; fix the cause on the device and run `arcedge flash` again (it is safe to repeat)' },
  DEVICE_OFFLINE: { meaning: 'the installed agent did not report `online` on MQTT in time', fix: 'read the agent log on the device (`journalctl -u arcedge-agent`), and check that --broker (or the config\'s mqtt.url) reaches the same broker' },
  // training (tools/trainer, arcedge train / pack / pack-pairs)
  TRAIN_ENV_MISSING: {
    meaning: 'no Python interpreter with PyTorch (and ONNX for export) was found, or it lacks what the config asks for (CUDA, gloo)',
    fix: 'apt-get install python3-torch python3-onnx (CPU), or install PyTorch with CUDA (docs/training.md) and pass its interpreter with --python or `python` in the config',
  },
  DATASET_INVALID: {
    meaning: 'a training set is missing, empty, truncated or not in a layout the trainer reads',
    fix: 'pass a folder with train.rec + train.idx + property (`arcedge pack` makes one) or <person>/<images> sub-folders',
  },
  VERIFICATION_BIN_INVALID: {
    meaning: 'a verification .bin is not a pickle of (images, same-flags) that can be read without running code',
    fix: 'use the insightface .bin files or build one with `arcedge pack-pairs`; a .bin that imports anything else is refused',
  },
  TRAIN_FAILED: { meaning: 'a trainer process exited with an error during training or export', fix: 'read the trainer output printed above the error; `--resume` continues from the last checkpoint' },
  // talking to devices over MQTT (deploy, devices, gallery push, rollout)
  DEVICE_REFUSED: { meaning: "a device answered a command with an error; the device's own code, message and fix are in details (deviceCode, deviceMessage)", fix: "follow the device's fix in the message; its code is listed here too" },
  DEVICE_TIMEOUT: { meaning: 'a device did not answer a command over MQTT in time (offline, not subscribed, or the broker refused the topic)', fix: 'check `arcedge devices` (is it online?), the broker URL and the ACL for the host user; then run the command again' },
  BROKER_UNREACHABLE: { meaning: 'the host could not connect to the MQTT broker', fix: 'check --broker (mqtt://host:1883 or mqtts://...), the credentials and --ca; the broker must be running' },
});

declare module '../sdk/internal.ts' {
  interface ErrorCodeOwners {
    tools: typeof TOOLS_ERROR_CODES;
  }
}
