export const placeholder = 'serde';
