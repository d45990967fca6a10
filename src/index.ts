// Entry point of the action's main step (action.yml `runs.main`). The post
// step has a bundle of its own (src/post.ts, `runs.post`): it needs neither
// the compose model nor the checks, and starts faster without them.
import { main } from './fronts/action.js'

await main()
