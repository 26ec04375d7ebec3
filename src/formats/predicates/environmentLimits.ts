// The environment predicate's limits that the capture (src/local/environment/) applies too, each
// written once, so that what is captured is what the parser accepts. A module of their own, so the
// package root (which re-exports environment.ts) does not grow by them.
/** Most characters in text read from the machine (names, versions, one-line values); the capture cuts longer text. */
export const MAX_MACHINE_TEXT = 256;
/** Most characters in a path, a kernel version or a probe's detail. */
export const MAX_MACHINE_LONG_TEXT = 1024;
/** Most GPUs listed (nvidia-smi output listing more is not understood). */
export const MAX_GPUS = 64;
/** Most characters in a GPU's name. */
export const MAX_GPU_NAME = 128;
/** Most characters in a runtime's version. */
export const MAX_RUNTIME_VERSION = 64;
/** Most site-packages directories of one Python environment. */
export const MAX_SITE_PACKAGES_DIRS = 64;
/** Most characters in os-release `ID` and `VERSION_ID`. */
export const MAX_DISTRO_ID = 64;
/** Most characters in a container image reference. */
export const MAX_IMAGE_REFERENCE = 512;
