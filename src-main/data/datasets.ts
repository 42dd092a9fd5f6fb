/**
 * The data layer's public face: one import for the engine (train/, inspect/, runs/, api/, cli/).
 * Each job lives in its own module:
 *   registry.ts  the known data sets (classes, shapes, URLs, checksums)
 *   errors.ts    DatasetError and its kinds
 *   locate.ts    where the files are (--data, VITLAB_DATA, app data, system folders)
 *   verify.ts    checking files against the registry's checksums
 *   download.ts  fetching verified files
 *   load.ts      parsing the splits (cached in-process)
 */
export { DATASET_FILE_KEYS, DATASET_REGISTRY, DEFAULT_DATASET, getDatasetSpec, type DatasetFileKey, type DatasetFileSpec, type DatasetName, type DatasetSpec } from './registry.js';
export { ChecksumError, DatasetError, DatasetNotFoundError, type SearchedDir } from './errors.js';
export { appDatasetDir, defaultAppDataDir, locateDataset, type LocatedDataset, type LocateOptions } from './locate.js';
export { verifyDataset, type VerifiedFile } from './verify.js';
export { downloadDataset, type DownloadOptions } from './download.js';
export { clearDatasetCache, loadDataset, type LoadedDataset, type LoadOptions, type Split } from './load.js';
