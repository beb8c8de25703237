#!/usr/bin/env node
// Flint's command-line entry. The workspace runs its TypeScript sources directly through tsx's
// loader, so there is no build step between a clone and `flint serve`.
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
