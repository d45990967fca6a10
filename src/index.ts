// Entry point of the action: the same bundle runs as main and as post step.
import * as core from '@actions/core'
import { main } from './fronts/action.js'
import { post } from './fronts/post.js'
import { STATE } from './fronts/state.js'

await (core.getState(STATE.isPost) ? post() : main())
