// Entry point of the action: the same bundle runs as main and as post step.
import { main } from './fronts/action.js'
import { post } from './fronts/post.js'
import { runState } from './fronts/state.js'

await (runState.isPost() ? post() : main())
