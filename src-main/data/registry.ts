import type { DATASETS } from '../../src-shared/fields.js';
import { DatasetError } from './errors.js';

/**
 * The data sets the app knows: names, classes, shapes, download URLs and checksums, declared once.
 * The names come from the config registry (src-shared/fields.ts DATASETS), so a data set added
 * there fails to compile here until it has an entry.
 */

export type DatasetName = (typeof DATASETS)[number];
export type DatasetFileKey = 'trainImages' | 'trainLabels' | 'testImages' | 'testLabels';
export const DATASET_FILE_KEYS: readonly DatasetFileKey[] = ['trainImages', 'trainLabels', 'testImages', 'testLabels'];

export interface DatasetFileSpec {
  /** The official file name, gzipped. The un-gzipped copy is the same name without `.gz`. */
  name: string;
  /** MD5 of the official `.gz` download. */
  md5: string;
  /**
   * MD5 of the decompressed contents. Needed because repackagers re-write gzip headers: Debian's
   * dataset-fashion-mnist files decompress to exactly the official bytes but, with the stored file
   * name and mtime stripped, none of their `.gz` checksums match the published ones.
   */
  rawMd5: string;
  /** Size of the official `.gz`, for a progress total when the server sends no Content-Length. */
  bytes: number;
}

export interface DatasetSpec {
  name: DatasetName;
  title: string;
  classes: readonly string[];
  image: number;
  channels: number;
  trainCount: number;
  testCount: number;
  /** Ends with a slash: file URLs are baseUrl + file name. */
  baseUrl: string;
  files: Readonly<Record<DatasetFileKey, DatasetFileSpec>>;
  /** Folders a system package installs the data into, searched last. */
  systemDirs: readonly string[];
}

export const DEFAULT_DATASET: DatasetName = 'fashion-mnist';

export const DATASET_REGISTRY: Readonly<Record<DatasetName, DatasetSpec>> = {
  'fashion-mnist': {
    name: 'fashion-mnist',
    title: 'Fashion-MNIST',
    classes: ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'],
    image: 28,
    channels: 1,
    trainCount: 60_000,
    testCount: 10_000,
    baseUrl: 'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/',
    files: {
      trainImages: { name: 'train-images-idx3-ubyte.gz', md5: '8d4fb7e6c68d591d4c3dfef9ec88bf0d', rawMd5: 'f4a8712d7a061bf5bd6d2ca38dc4d50a', bytes: 26_421_880 },
      trainLabels: { name: 'train-labels-idx1-ubyte.gz', md5: '25c81989df183df01b3e8a0aad5dffbe', rawMd5: '9018921c3c673c538a1fc5bad174d6f9', bytes: 29_515 },
      testImages: { name: 't10k-images-idx3-ubyte.gz', md5: 'bef4ecab320f06d8554ea6380940ec79', rawMd5: '8181f5470baa50b63fa0f6fddb340f0a', bytes: 4_422_102 },
      testLabels: { name: 't10k-labels-idx1-ubyte.gz', md5: 'bb300cfdad3c16e7a12a480ee83cd310', rawMd5: '15d484375f8d13e6eb1aabb0c3f46965', bytes: 5_148 },
    },
    // Debian/Ubuntu package dataset-fashion-mnist.
    systemDirs: ['/usr/share/datasets/fashion-mnist'],
  },
  mnist: {
    name: 'mnist',
    title: 'MNIST',
    classes: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
    image: 28,
    channels: 1,
    trainCount: 60_000,
    testCount: 10_000,
    // yann.lecun.com answers 403 to scripted downloads; this is the mirror torchvision uses.
    baseUrl: 'https://ossci-datasets.s3.amazonaws.com/mnist/',
    files: {
      trainImages: { name: 'train-images-idx3-ubyte.gz', md5: 'f68b3c2dcbeaaa9fbdd348bbdeb94873', rawMd5: '6bbc9ace898e44ae57da46a324031adb', bytes: 9_912_422 },
      trainLabels: { name: 'train-labels-idx1-ubyte.gz', md5: 'd53e105ee54ea40749a09fcbcd1e9432', rawMd5: 'a25bea736e30d166cdddb491f175f624', bytes: 28_881 },
      testImages: { name: 't10k-images-idx3-ubyte.gz', md5: '9fb629c4189551a2d022fa330f9573f3', rawMd5: '2646ac647ad5339dbf082846283269ea', bytes: 1_648_877 },
      testLabels: { name: 't10k-labels-idx1-ubyte.gz', md5: 'ec29112dd5afa0611ce80d1b7f02629c', rawMd5: '27ae3e4e09519cfbb04c329615203637', bytes: 4_542 },
    },
    systemDirs: [],
  },
};

export function getDatasetSpec(name: string): DatasetSpec {
  if (!Object.hasOwn(DATASET_REGISTRY, name)) {
    throw new DatasetError(`unknown dataset "${name}"; known: ${Object.keys(DATASET_REGISTRY).join(', ')}`);
  }
  return DATASET_REGISTRY[name as DatasetName];
}
