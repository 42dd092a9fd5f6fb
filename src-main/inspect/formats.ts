/**
 * The bounds and names of inspection that the API contract validates against; kept apart from the
 * code that uses them so the contract does not load image decoders or the model.
 */
export const WEIGHT_FORMATS = ['safetensors', 'vitlab'] as const;
export type WeightFormat = (typeof WEIGHT_FORMATS)[number];

/** 25 MP: decoded RGBA is 4 bytes a pixel, so at most 100 MB in the inspection worker. */
export const MAX_PIXELS = 25_000_000;
/** The file itself: a phone photo is 2–8 MB; the bound keeps one request within what serve accepts. */
export const MAX_IMAGE_BYTES = 16 * 1024 * 1024;
/** Thumbnails per page of a mistakes query. */
export const MAX_PAGE = 200;
