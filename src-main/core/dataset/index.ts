export * from './id-prop';
export * from './dataset-folder';
export * from './validation-report';
export { structureFileParser, structureFileParserAsync } from './structure-parse';
