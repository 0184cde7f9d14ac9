export const placeholder = 'streams';
