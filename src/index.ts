// Entry point of the action: the same bundle runs as main and as post step.
import * as core from '@actions/core'
import { main } from './action.js'
import { post } from './post.js'
import { STATE } from './state.js'

await (core.getState(STATE.isPost) ? post() : main())
